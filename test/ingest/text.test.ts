/**
 * Plain-text extraction: the seed article (exact headline, caption and seven paragraphs) and
 * fixtures in English, Russian and Farsi with different furniture around the story. Every test
 * checks the exact paragraphs kept and that no furniture line survives anywhere in the result.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractText, GENERIC_RULES, genericRule, splitLines, type TextExtraction } from '../../src/ingest/index.ts';
import { emptyRules } from '../../src/ingest/text/publisher-rules.ts';
import { SEED, SEED_CAPTION, SEED_FURNITURE, SEED_PARAGRAPHS, SEED_TITLE } from './seed.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/ingest/text');
/** No furniture line (or a distinctive part of it) appears in any kept field. */
function expectNoFurniture(r: TextExtraction, furniture: string[]): void {
  const kept = [r.title, r.caption ?? '', ...r.paragraphs].join('\n');
  for (const line of furniture) expect(kept, `furniture survived: ${line}`).not.toContain(line);
}

async function fixture(name: string): Promise<string> {
  return readFile(path.join(FIXTURES, name), 'utf8');
}

describe('plain text: the seed article', () => {
  it('gives exactly its headline, photo caption and seven body paragraphs, in order', async () => {
    const r = extractText(await readFile(SEED, 'utf8'));
    expect(r.title).toBe(SEED_TITLE);
    expect(r.caption).toBe(SEED_CAPTION);
    expect(r.paragraphs).toEqual(SEED_PARAGRAPHS);
    expect(r.date).toBeUndefined(); // "Aug. 13" has no year: the operator must give --date
    expectNoFurniture(r, SEED_FURNITURE);
    // Each furniture line is accounted for by a named rule.
    expect(r.dropped.map((d) => [d.reason, d.text.slice(0, 24)])).toEqual([
      ['donation-button', 'Enjoying ad-free content'],
      ['donation-button', 'Since July 1, 2024, we h'],
      ['donation-appeal', 'This commitment costs us'],
      ['donation-button', 'Support us'],
      ['donation-appeal', 'Our journalism is banned'],
      ['donation-appeal', '… we have a small favor '],
      ['donation-appeal', 'We, the journalists of T'],
      ['donation-appeal', 'Your support, no matter '],
      ['payment-methods', 'paiment methods'],
      ['donation-appeal', 'Not ready to support tod'],
      ['donation-button', 'Remind me later.'],
      ['read-more', 'Read more'],
    ]);
  });
});

describe('plain text: English, Russian and Farsi fixtures with their own furniture', () => {
  it('English: cookie banner, menu, share row, advertisement, newsletter prompt, related list, copyright', async () => {
    const r = extractText(await fixture('en-harbour.txt'));
    expect(r.title).toBe('City Council Approves Harbour Flood Barrier After Decade of Delays');
    expect(r.caption).toBe('Construction cranes stand idle beside the old harbour wall on Tuesday. Photo: Coastal Times / J. Berg');
    expect(r.date).toBe('2015-08-13');
    expect(r.author).toBe('Maria Lindqvist');
    expect(r.tags).toEqual(['harbour', 'flooding', 'city council']);
    expect(r.lang).toBeUndefined();
    expect(r.paragraphs).toEqual([
      'The city council on Wednesday approved a 40-million-euro flood barrier for the old harbour, ending a decade of disputes over its cost and its effect on the fishing fleet.',
      'The barrier, a row of steel gates that close when the sea rises more than a metre above normal, will be built in three stages starting next spring.',
      '"We have waited long enough," said councillor Anna Holm, who first proposed the barrier in 2005. "The last storm flooded forty homes."',
      'Fishermen had feared the gates would block the channel, but the final design leaves a 30-metre opening that closes only during storms.',
      "The regional government will pay a third of the cost; the rest will come from the city's reserve fund and a European grant.",
    ]);
    expectNoFurniture(r, ['Skip to content', 'Log in', 'cookies', 'Accept all', 'Coastal Times\n', 'Share Tweet Email', 'Advertisement', 'newsletter', 'Tags:', 'Related stories', 'Storm floods forty homes', 'Fishing fleet fears', 'What a flood barrier costs', 'All rights reserved', 'By Maria']);
    expect(new Set(r.dropped.map((d) => d.reason))).toEqual(
      new Set(['navigation', 'cookie-banner', 'before-headline', 'byline', 'date', 'share-buttons', 'advertising-notice', 'subscription-prompt', 'tags', 'read-more', 'related-list', 'copyright-notice']),
    );
  });

  it('Russian: breadcrumb menu, cookie notice, donation appeal, Telegram prompt, share row, "Читайте также" list', async () => {
    const r = extractText(await fixture('ru-zavod.txt'));
    expect(r.title).toBe('Завод в Подмосковье возобновил выпуск трамваев после двухлетнего перерыва');
    expect(r.caption).toBe('Первый трамвай новой серии на заводской площадке в среду. Фото: Ирина Соколова / ТАСС');
    expect(r.date).toBe('2015-08-13');
    expect(r.author).toBe('Ирина Соколова');
    expect(r.lang).toBe('ru');
    expect(r.paragraphs).toEqual([
      'Завод в Подмосковье в среду выпустил первый за два года трамвай, сообщили в администрации области.',
      'Производство остановили в 2013 году, когда город отказался от заказа на сорок вагонов из-за нехватки денег.',
      'По словам директора завода, до конца года заказчикам передадут ещё двенадцать вагонов, а в следующем году — не меньше тридцати.',
      '«Мы сохранили почти всех рабочих и теперь снова можем брать большие заказы», — сказал он.',
    ]);
    expectNoFurniture(r, ['Главная', 'cookie', 'Принять', 'Поддержите', 'Поддержать', 'Реклама', 'Telegram', 'Поделиться', 'ВКонтакте', 'Читайте также', 'Город закупит', 'Как устроен', 'Все права защищены', 'Автор:']);
  });

  it('Farsi (right to left): menu, appeal, advertisement, newsletter prompt, share, "بیشتر بخوانید" list; Persian digits in the date', async () => {
    const r = extractText(await fixture('fa-ketabkhaneh.txt'));
    expect(r.title).toBe('کتابخانه‌ی مرکزی شهر پس از سه سال بازسازی دوباره باز شد');
    expect(r.caption).toBe('کودکان در روز بازگشایی در سالن مطالعه‌ی جدید کتابخانه. عکس: ایسنا');
    expect(r.date).toBe('2015-08-13');
    expect(r.author).toBe('سارا احمدی');
    expect(r.lang).toBe('fa');
    expect(r.paragraphs).toEqual([
      'کتابخانه‌ی مرکزی شهر روز چهارشنبه پس از سه سال بازسازی درهای خود را به روی مردم باز کرد.',
      'ساختمان تازه دو برابر ساختمان قدیمی جا دارد و بخش ویژه‌ای برای کودکان و نوجوانان در آن ساخته شده است.',
      'مدیر کتابخانه گفت که بیش از دویست هزار جلد کتاب به قفسه‌های تازه منتقل شده و بخش نسخه‌های خطی نیز به‌زودی باز می‌شود.',
      'ساعت کار کتابخانه در روزهای کاری از هشت صبح تا هشت شب است.',
    ]);
    // The zero-width non-joiner is part of Persian spelling and must survive.
    expect(r.title).toContain('\u200c');
    expectNoFurniture(r, ['خانه |', 'از ما حمایت کنید', 'با حمایت شما', 'تبلیغات', 'خبرنامه', 'اشتراک‌گذاری', 'بیشتر بخوانید', 'شهرداری بودجه', 'نمایشگاه کتاب', 'تمامی حقوق']);
  });
});

describe('plain text: Arabic', () => {
  it('menu, appeal, advertisement, newsletter prompt, share, "اقرأ أيضاً" list; Arabic month name in the date', async () => {
    const r = extractText(await fixture('ar-mina.txt'));
    expect(r.title).toBe('افتتاح رصيف جديد في ميناء المدينة بعد عامين من العمل');
    expect(r.caption).toBe('سفن صيد راسية عند الرصيف الجديد يوم الأربعاء. الصورة: وكالة الأنباء المحلية');
    expect(r.date).toBe('2015-08-13');
    expect(r.author).toBe('أحمد خليل');
    expect(r.lang).toBe('ar');
    expect(r.paragraphs).toEqual([
      'افتتحت بلدية المدينة يوم الأربعاء رصيفاً جديداً في الميناء القديم بعد عامين من أعمال البناء.',
      'ويتسع الرصيف الجديد لعشرين سفينة صيد، ويضم مخزناً مبرداً لحفظ الأسماك.',
      'وقال رئيس البلدية إن المشروع سيوفر مئتي فرصة عمل للصيادين وعائلاتهم.',
    ]);
    expectNoFurniture(r, ['الرئيسية', 'ادعمنا', 'تبرع', 'إعلان', 'النشرة البريدية', 'شارك', 'اقرأ أيضاً', 'ميزانية العام', 'دعم الوقود', 'جميع الحقوق']);
  });
});

describe('plain text: rules and edge cases', () => {
  it('keeps story lines that only quote an appeal phrase', () => {
    const r = extractText('Mayor Opens New Bridge Over the River\n\n“We need your help to keep the river clean,” the mayor told the crowd on Sunday.\n\nThe bridge cost 12 million euros.');
    expect(r.paragraphs).toEqual(['“We need your help to keep the river clean,” the mayor told the crowd on Sunday.', 'The bridge cost 12 million euros.']);
  });

  it('keeps story sentences that share words with appeals, prompts, banners and notices', () => {
    const story = [
      'He went on to become a member of parliament in 2005.',
      'Fewer households subscribe to cable television every year.',
      'Voters can sign up for the postal ballot until Friday.',
      'Residents who give monthly to the food bank were thanked by the mayor.',
      'It costs us $5 more per week, one resident said of the new tariff.',
      'A streaming plan without ads costs more.',
      'Компания решила сделать пожертвование детской больнице.',
      'Каналы без рекламы стоят дороже.',
      'Она испекла куки для внуков.',
      'دولت کمک مالی تازه‌ای به کشاورزان اعلام کرد.',
      'کانال تلگرام وزارت خارجه این خبر را تایید کرد.',
      'ساهم في دعم الاقتصاد المحلي خلال الأزمة.',
      'Copyright holders sued the site last year.',
      'تمامی حقوق کارگران باید رعایت شود.',
    ];
    const r = extractText(`A Headline Above Ordinary Story Sentences\n\n${story.join('\n\n')}`);
    expect(r.paragraphs).toEqual(story);
    expect(r.dropped).toEqual([]);
  });

  it('drops "Read also: …" links between paragraphs, in each language', () => {
    const r = extractText(
      [
        'A Headline Above a Story With Links in It',
        'First paragraph of the story.',
        'Read also: Storm floods forty homes in the old town',
        'Second paragraph of the story.',
        'Читайте также: Город закупит сорок новых вагонов',
        'بیشتر بخوانید: شهرداری بودجه‌ی کتابخانه‌ها را افزایش داد',
        'اقرأ أيضاً: البلدية تعلن ميزانية العام المقبل',
        'Third paragraph: see also the map below.',
      ].join('\n\n'),
    );
    expect(r.paragraphs).toEqual(['First paragraph of the story.', 'Second paragraph of the story.', 'Third paragraph: see also the map below.']);
    expect(r.dropped.map((d) => d.reason)).toEqual(['inline-related', 'inline-related', 'inline-related', 'inline-related']);
  });

  it('joins hard-wrapped lines of one paragraph and keeps separate paragraphs apart', () => {
    expect(splitLines('A first line of a long paragraph that was wrapped by a mail client at\nseventy characters.\n\nSecond paragraph.')).toEqual([
      'A first line of a long paragraph that was wrapped by a mail client at seventy characters.',
      'Second paragraph.',
    ]);
  });

  it('publisher rules drop, cut, keep and disable by name', () => {
    const rules = emptyRules();
    rules.drop.push(/^Ежедневная сводка/iu);
    rules.dropFrom.push(/^Комментарии читателей$/iu);
    rules.keep.push(/^Support$/i);
    rules.disable.add('advertising-notice');
    const r = extractText(
      'Ежедневная сводка новостей\n\nA Headline About Something Important\n\nFirst paragraph of the story.\n\nAdvertisement\n\nSupport\n\nComments readers\n\nКомментарии читателей\n\nLast words of someone.\n\nAnother comment.',
      { rules },
    );
    expect(r.title).toBe('A Headline About Something Important');
    expect(r.paragraphs).toEqual(['First paragraph of the story.', 'Advertisement', 'Support', 'Comments readers']);
    expect(r.dropped.filter((d) => d.reason.startsWith('publisher:')).map((d) => d.text)).toEqual([
      'Ежедневная сводка новостей', 'Комментарии читателей', 'Last words of someone.', 'Another comment.',
    ]);
  });

  it('says which problem there is: no headline, no paragraphs', () => {
    expect(() => extractText('Support us\n\nDonate now', { where: 'x.txt' })).toThrow(expect.objectContaining({ code: 'INGEST_NO_HEADLINE' }));
    expect(() => extractText('A Headline With Nothing Under It\n\nRead more\n\nSupport us', { where: 'x.txt' })).toThrow(expect.objectContaining({ code: 'INGEST_NO_ARTICLE' }));
  });

  it('has a named generic rule list; asking for an unknown rule names it', () => {
    expect(GENERIC_RULES.map((r) => r.name)).toEqual([
      'donation-appeal', 'donation-button', 'subscription-prompt', 'advertising-notice', 'cookie-banner', 'share-buttons', 'navigation', 'read-more', 'inline-related', 'payment-methods', 'copyright-notice', 'comments-prompt',
    ]);
    expect(genericRule('read-more').category).toBe('related');
    expect(() => genericRule('no-such-rule')).toThrow(/no-such-rule/);
  });
});
