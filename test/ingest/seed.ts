/** What the seed article must give: its real headline, caption and seven paragraphs, and the furniture around them. */
import path from 'node:path';

/** The seed (../shared/seeds/000_b3644d8a320e78a4.txt), copied byte for byte so a fresh checkout has it. */
export const SEED = path.resolve(import.meta.dirname, '../fixtures/ingest/text/seed-000_b3644d8a320e78a4.txt');

export const SEED_TITLE = "Russian Foreign Minister Hosts Syria's Main Opposition Group for Talks";
export const SEED_CAPTION =
  'President of the National Coalition for Syrian Revolutionary and Opposition Forces (SNC) Khaled Khoja (L) talks to Russian Foreign Minister Sergei Lavrov before a meeting in Moscow, Aug. 13.';
export const SEED_PARAGRAPHS = [
  "Russia's foreign minister on Thursday hosted a delegation of the main Syrian opposition group, part of the Kremlin's new push for a mediation role in the Syrian conflict.",
  'Sergei Lavrov told the leaders of the Syrian National Coalition that Moscow was willing to "help all Syrians unite over the core task of preserving their country, ensuring stability and preventing it from becoming a hotbed of terrorism and other threats."',
  "President Vladimir Putin launched Russia's new mediation effort in June when he met with Saudi Deputy Crown Prince and Defense Minister Mohammed bin Salman in St. Petersburg. Lavrov has said that the Russian plan proposes that all forces opposing Islamic State extremists — including the Syrian opposition, the Syrian army, the Iraqi army and the Kurds — pool their efforts.",
  "Moscow has been a key backer of Syria's President Bashar Assad, shielding it from the United Nations sanctions and continuing to provide it with weapons throughout a civil war that has dragged on for more than four years, leaving at least 250,000 dead and turning more than 4 million people into refugees.",
  "Earlier this week, Lavrov met with his Saudi counterpart for Syria-focused talks that highlighted continuing sharp differences about Assad's fate. While Lavrov called for including the Syrian government troops in a coalition fighting IS, Saudi Foreign Minister Adel al-Jubeir rejected any role for Assad.",
  'Earlier this year, Moscow hosted some members of the Syrian opposition for consultations, but the National Coalition has until now refused to visit Russia.',
  "Speaking before Thursday's talks with Lavrov, coalition president Khaled Khoja told the Interfax news agency that Assad shouldn't be part of any future transitional government.",
];
/** Every line of the seed that is not the story. */
export const SEED_FURNITURE = [
  'Enjoying ad-free content?',
  'Since July 1, 2024, we have disabled all ads to improve your reading experience.',
  'This commitment costs us $10,000 a month. Your support can help us fill the gap.',
  'Support us',
  'Our journalism is banned in Russia. We need your help to keep providing you with the truth.',
  '… we have a small favor to ask.',
  'We, the journalists of The Moscow Times, refuse to be silenced.',
  'Your support, no matter how small, makes a world of difference.',
  'paiment methods',
  'Not ready to support today?',
  'Remind me later.',
  'Read more',
];

