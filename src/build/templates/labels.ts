/**
 * The words samizdat itself puts on pages (navigation, list headings, dates, the mirrors page),
 * in the site's language where samizdat has them, in English otherwise. Readers whose access is
 * blocked should find the instructions in their own language; a page whose words are in another
 * language than the page's `lang` marks them with their own (`lang` below), so that a screen
 * reader pronounces them right.
 *
 * Arguments named …Html are markup the caller has escaped; every other argument is escaped here.
 */
import { textDirection } from '../../content/lang.ts';
import { esc } from './escape.ts';

export interface Labels {
  /** The language of these words (BCP 47). */
  lang: string;
  skip: string;
  siteNav: string;
  latest: string;
  archive: string;
  tags: string;
  languages: string;
  mirrors: string;
  footer(mirrorsHref: string, feedsHtml: string): string;
  updated: string;
  originallyAt: string;
  noArticles: string;
  nothingYet: string;
  pagesNav: string;
  newer: string;
  older: string;
  feedsInLanguage: string;
  latestArticles: string;
  taggedHeading(tag: string): string;
  languageHeading(lang: string): string;
  monthHeading(month: string): string;
  /** "August 2015". */
  month(year: string, month: number): string;
  /** "13 August 2015". */
  date(year: string, month: number, day: number): string;
  notFoundTitle: string;
  notFoundText: string;
  notFoundLinks(latestHref: string, mirrorsHref: string): string;
  mirrorsHeading(siteTitle: string): string;
  mirrorsIntro: string;
  copiesHeading: string;
  noCopies: string;
  ipfsHeading: string;
  ipfsText: string;
  ipfsNames(namesHtml: string): string;
  torHeading: string;
  torText(linkHtml: string): string;
  feedsHeading: string;
  feedsText(feedsHtml: string): string;
  feedsPerLanguage(linksHtml: string): string;
  offlineHeading: string;
  offlineText(zipHtml: string, whereHtml: string): string;
  offlineWhere(linksHtml: string): string;
  contactsHeading: string;
  blockedHeading: string;
  blockedSteps: string[];
  genuineHeading: string;
  signedText(manifestHtml: string): string;
  compareText(verifyHtml: string): string;
  unsignedText(manifestHtml: string): string;
  forPrograms(linkHtml: string): string;
  or: string;
}

const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const EN: Labels = {
  lang: 'en',
  skip: 'Skip to content',
  siteNav: 'Site',
  latest: 'Latest',
  archive: 'Archive',
  tags: 'Tags',
  languages: 'Languages',
  mirrors: 'Mirrors',
  footer: (href, feeds) => `If this site is blocked for you, <a href="${href}">other copies and ways to read it</a> are listed on the mirrors page. Feeds: ${feeds}.`,
  updated: 'updated',
  originallyAt: 'Originally published at',
  noArticles: 'No articles yet.',
  nothingYet: 'Nothing here yet.',
  pagesNav: 'Pages',
  newer: '← Newer',
  older: 'Older →',
  feedsInLanguage: 'Feeds in this language:',
  latestArticles: 'Latest articles',
  taggedHeading: (tag) => `Articles tagged “${tag}”`,
  languageHeading: (lang) => `Articles in ${lang}`,
  monthHeading: (month) => `Articles from ${month}`,
  month: (year, month) => `${EN_MONTHS[month - 1]} ${year}`,
  date: (year, month, day) => `${day} ${EN_MONTHS[month - 1]} ${year}`,
  notFoundTitle: 'Page not found',
  notFoundText: 'This page is not part of this copy of the site. It may have been moved, or this mirror may be out of date.',
  notFoundLinks: (latest, mirrors) => `Go to the <a href="${latest}">latest articles</a>, or see the <a href="${mirrors}">list of mirrors</a> for other copies of the site.`,
  mirrorsHeading: (title) => `Mirrors: other ways to read ${esc(title)}`,
  mirrorsIntro:
    'This site is published as identical copies in many places. If one address is blocked, try another. Every copy holds the same articles; none of them needs JavaScript or loads anything from elsewhere.',
  copiesHeading: 'Copies of this site',
  noCopies: 'No other web addresses are configured yet.',
  ipfsHeading: 'Through IPFS',
  ipfsText: 'IPFS serves the site from many computers at once. Any public IPFS gateway can show it; if one gateway is blocked, replace its name in the address with another\'s.',
  ipfsNames: (names) => `With an IPFS-aware browser or the IPFS Desktop app, open ${names}.`,
  torHeading: 'Through Tor',
  torText: (link) => `Open this address in <a href="https://www.torproject.org/download/" rel="noopener noreferrer">Tor Browser</a>: ${link}`,
  feedsHeading: 'In a feed reader',
  feedsText: (feeds) =>
    `Feed readers fetch articles from outside your country, so a subscription keeps delivering full articles even when every address of the site is blocked. Add one of these to your reader: ${feeds}.`,
  feedsPerLanguage: (links) => `Feeds per language: ${links}.`,
  offlineHeading: 'Offline, as one file',
  offlineText: (zip, where) =>
    `The whole site is also published as one file, ${zip}${where}. Download it, pass it on (by USB stick, messenger or email), unzip it and open <code>index.html</code> in any browser: it works without a connection.`,
  offlineWhere: (links) => `, for example at ${links}`,
  contactsHeading: 'Other channels',
  blockedHeading: 'If everything is blocked',
  blockedSteps: [
    'Try each address above: censors rarely block all of them at once, and new copies are added over time.',
    'Use Tor Browser, or a VPN you trust.',
    'Subscribe to a feed: your feed reader fetches the articles for you.',
    'Ask someone outside the country to send you the zip file.',
  ],
  genuineHeading: 'Is this copy genuine?',
  signedText: (manifest) => `Every copy carries a list of its files (${manifest}) signed with the newsroom's key. The key's fingerprint is:`,
  compareText: (verify) => `Compare it with the fingerprint the newsroom announced elsewhere; ${verify} checks a copy against it.`,
  unsignedText: (manifest) => `Every copy carries a list of its files and their SHA-256 hashes (${manifest}). This edition is not signed.`,
  forPrograms: (link) => `For programs: ${link} lists the same addresses.`,
  or: 'or',
};

/** Months in the nominative (a month on its own) and the genitive (in a date). */
const RU_MONTHS = ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь'];
const RU_MONTHS_OF = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];

const RU: Labels = {
  lang: 'ru',
  skip: 'Перейти к содержанию',
  siteNav: 'Сайт',
  latest: 'Новое',
  archive: 'Архив',
  tags: 'Темы',
  languages: 'Языки',
  mirrors: 'Зеркала',
  footer: (href, feeds) => `Если этот сайт у вас заблокирован, <a href="${href}">другие копии и способы его читать</a> перечислены на странице зеркал. Ленты: ${feeds}.`,
  updated: 'обновлено',
  originallyAt: 'Впервые опубликовано:',
  noArticles: 'Статей пока нет.',
  nothingYet: 'Здесь пока ничего нет.',
  pagesNav: 'Страницы',
  newer: '← Новее',
  older: 'Старше →',
  feedsInLanguage: 'Ленты на этом языке:',
  latestArticles: 'Последние статьи',
  taggedHeading: (tag) => `Статьи по теме «${tag}»`,
  languageHeading: (lang) => `Статьи на языке ${lang}`,
  monthHeading: (month) => `Статьи за ${month}`,
  month: (year, month) => `${RU_MONTHS[month - 1]} ${year}`,
  date: (year, month, day) => `${day} ${RU_MONTHS_OF[month - 1]} ${year}`,
  notFoundTitle: 'Страница не найдена',
  notFoundText: 'Этой страницы нет в этой копии сайта. Возможно, её перенесли или это зеркало устарело.',
  notFoundLinks: (latest, mirrors) => `Перейдите к <a href="${latest}">последним статьям</a> или откройте <a href="${mirrors}">список зеркал</a>, чтобы найти другие копии сайта.`,
  mirrorsHeading: (title) => `Зеркала: как ещё читать ${esc(title)}`,
  mirrorsIntro:
    'Этот сайт публикуется одинаковыми копиями во многих местах. Если один адрес заблокирован, попробуйте другой. Во всех копиях одни и те же статьи; ни одной не нужен JavaScript, и ни одна ничего не загружает с других сайтов.',
  copiesHeading: 'Копии сайта',
  noCopies: 'Других веб-адресов пока нет.',
  ipfsHeading: 'Через IPFS',
  ipfsText: 'IPFS раздаёт сайт сразу со многих компьютеров. Его может показать любой публичный шлюз IPFS; если один шлюз заблокирован, замените его имя в адресе на имя другого.',
  ipfsNames: (names) => `В браузере с поддержкой IPFS или в приложении IPFS Desktop откройте ${names}.`,
  torHeading: 'Через Tor',
  torText: (link) => `Откройте этот адрес в <a href="https://www.torproject.org/download/" rel="noopener noreferrer">Tor Browser</a>: ${link}`,
  feedsHeading: 'В программе для чтения лент',
  feedsText: (feeds) =>
    `Программы для чтения лент получают статьи из-за пределов вашей страны, поэтому подписка продолжает приносить статьи целиком, даже когда заблокированы все адреса сайта. Добавьте в свою программу одну из лент: ${feeds}.`,
  feedsPerLanguage: (links) => `Ленты по языкам: ${links}.`,
  offlineHeading: 'Без интернета, одним файлом',
  offlineText: (zip, where) =>
    `Весь сайт публикуется и одним файлом, ${zip}${where}. Скачайте его, передайте дальше (на флешке, в мессенджере или по почте), распакуйте и откройте <code>index.html</code> в любом браузере: сайт работает и без подключения к сети.`,
  offlineWhere: (links) => `, например здесь: ${links}`,
  contactsHeading: 'Другие каналы',
  blockedHeading: 'Если заблокировано всё',
  blockedSteps: [
    'Попробуйте каждый адрес выше: цензоры редко блокируют все сразу, а новые копии появляются со временем.',
    'Используйте Tor Browser или VPN, которому вы доверяете.',
    'Подпишитесь на ленту: программа для чтения лент сама получит статьи.',
    'Попросите кого-нибудь за пределами страны прислать вам zip-файл.',
  ],
  genuineHeading: 'Подлинная ли это копия?',
  signedText: (manifest) => `В каждой копии есть список её файлов (${manifest}), подписанный ключом редакции. Отпечаток ключа:`,
  compareText: (verify) => `Сравните его с отпечатком, который редакция опубликовала в другом месте; ${verify} проверяет копию по нему.`,
  unsignedText: (manifest) => `В каждой копии есть список её файлов и их хешей SHA-256 (${manifest}). Этот выпуск не подписан.`,
  forPrograms: (link) => `Для программ: в ${link} те же адреса.`,
  or: 'или',
};

const BY_LANGUAGE: Record<string, Labels> = { en: EN, ru: RU };

/** The words for a site in `lang` ("ru", "ru-RU"): its own language's if samizdat has them, else English. */
export function labelsFor(lang: string): Labels {
  return BY_LANGUAGE[lang.toLowerCase().split('-')[0]!] ?? EN;
}

/**
 * ` lang="…"` when the words are not in the language of the element they sit in, with ` dir="…"`
 * too when their direction differs (English words on a Farsi page read left to right).
 */
export function langIfOther(labels: Labels, around: string, options: { dir: boolean } = { dir: true }): string {
  if (labels.lang === around.toLowerCase().split('-')[0]) return '';
  const dir = textDirection(labels.lang);
  return ` lang="${labels.lang}"${options.dir && dir !== textDirection(around) ? ` dir="${dir}"` : ''}`;
}
