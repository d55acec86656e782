/**
 * Page furniture: the lines around a story that are not the story. A named list of generic
 * rules (English, Russian, Farsi, Arabic), one job each, so a publisher's rule file can turn
 * one off by name and a test can say which rule dropped which line.
 *
 * Patterns use Unicode-aware word edges (`\b` only knows ASCII letters, so it fails on Cyrillic
 * and Arabic script): build them with `phrase()`.
 */

export type FurnitureCategory =
  | 'donation'
  | 'subscription'
  | 'advertising'
  | 'cookies'
  | 'share'
  | 'navigation'
  | 'related'
  | 'payment'
  | 'copyright'
  | 'comments';

export interface FurnitureRule {
  /** Permanent name, used in publisher rule files (`disable:`) and in reports. */
  name: string;
  category: FurnitureCategory;
  /** Matching anywhere in a line marks it (unless the match sits inside a quotation). */
  patterns: RegExp[];
  /** The rule only looks at lines up to this many characters: longer lines are story text. */
  maxLength?: number;
  /** After a line this rule drops, the short headline-like lines that follow go too (related-story lists). */
  startsList?: boolean;
  /** A line made only of these words (and separators such as | • / ·) is furniture. */
  tokens?: string[];
}

/** A phrase between Unicode word edges, case-insensitive; `|` alternatives allowed. */
export function phrase(source: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${source})(?![\\p{L}\\p{N}])`, 'iu');
}

/** The whole line is exactly one of these (ignoring surrounding punctuation and spaces). */
function wholeLine(source: string): RegExp {
  return new RegExp(`^[\\s\\p{P}\\p{S}]*(?:${source})[\\s\\p{P}\\p{S}]*$`, 'iu');
}

export const GENERIC_RULES: readonly FurnitureRule[] = [
  {
    // Appeal sentences: specific enough to drop even inside a long paragraph.
    name: 'donation-appeal',
    category: 'donation',
    patterns: [
      phrase('small favou?r to ask'),
      phrase('we need your (?:help|support)'),
      phrase('your support(?:,| can| helps| makes| means| matters| allows)'),
      phrase('support (?:us|our (?:work|journalism|newsroom)|independent journalism)(?: monthly| today| now| from| with| by)'),
      phrase('not ready to (?:support|donate|give|contribute)'),
      phrase('поддержите (?:нас|нашу|независим\\p{L}*|работу|редакцию)'),
      phrase('ваша поддержка|ваши пожертвования|сделайте пожертвование|пожертвуйте'),
      phrase('нам нужна ваша (?:помощь|поддержка)|помогите нам'),
      phrase('стань(?:те)? (?:нашим )?(?:участником|подписчиком|патроном|донатором|спонсором)'),
      phrase('از ما حمایت کنید|به ما کمک کنید|با حمایت شما|حمایت مالی از ما|کمک مالی به ما'),
      phrase('ادعمنا|ادعموا|تبرع(?:وا)? الآن|ساهم(?:وا)? في دعمنا|دعمكم'),
    ],
  },
  {
    // Buttons and one-liners of an appeal: only short lines, where they cannot be story text.
    name: 'donation-button',
    category: 'donation',
    maxLength: 120,
    patterns: [
      wholeLine('support us|donate|donate now|support|contribute|make a donation|give now|поддержать|поддержите нас|поддержать нас|пожертвовать|помочь|از ما حمایت کنید|حمایت|ادعمنا|تبرع|تبرّع'),
      /^[\s\p{P}]*(?:please |)(?:make|give) a (?:one-time |monthly |regular )?(?:donation|contribution|gift)/iu,
      /^[\s\p{P}]*become a (?:member|supporter|patron|subscriber)/iu,
      phrase('(?:donate|contribute) (?:now|today)'),
      phrase('enjoying ad-free|disabled all ads|отключили (?:всю )?рекламу'),
      phrase('costs us \\$?[\\d,.]+ (?:a|per|every) month'),
      phrase('remind me later|напомнить позже|بعداً یادآوری کن|ذكرني لاحقا'),
    ],
  },
  {
    name: 'subscription-prompt',
    category: 'subscription',
    patterns: [
      phrase('subscribe (?:now|today)|subscribe to (?:our|the) (?:newsletter|channel|podcast|daily|weekly|briefing)|sign up (?:for|to) (?:our|the) (?:newsletter|daily|weekly|briefing|e-?mails?|alerts)|newsletter sign-?up|get (?:our|the) [\\p{L} ]{0,30}in your inbox|follow us on'),
      wholeLine('subscribe|sign up|newsletter|подписаться|подписка|عضویت|اشترك'),
      phrase('подпишитесь|подписывайтесь|подписаться на (?:рассылку|наш)|наш (?:телеграм|telegram)[- ]?канал|рассылк\\p{L}+ (?:новостей|редакции)'),
      phrase('عضویت در خبرنامه|در خبرنامه ما|مشترک (?:شوید|خبرنامه)|ما را در (?:تلگرام|اینستاگرام|توییتر) دنبال کنید|کانال تلگرام ما'),
      phrase('اشترك في (?:النشرة|نشرتنا)|اشترك الآن|تابعونا على|النشرة البريدية'),
    ],
  },
  {
    name: 'advertising-notice',
    category: 'advertising',
    maxLength: 80,
    patterns: [
      wholeLine('advertisement|advertising|ad|ads|sponsored|sponsored content|promoted|paid content|partner content|реклама|на правах рекламы|спецпроект|партнерский материал|партнёрский материал|تبلیغات|آگهی|إعلان|اعلان|محتوى ممول'),
      phrase('story continues below(?: advertisement)?|scroll to continue(?: with content)?|continue reading below|продолжение ниже|реклама\\.? продолжение'),
    ],
  },
  {
    name: 'cookie-banner',
    category: 'cookies',
    patterns: [
      phrase('(?:we|this (?:site|website)) uses? cookies|cookie (?:policy|settings|preferences|consent)|accept (?:all )?cookies'),
      wholeLine('accept|accept all|reject all|manage preferences|i agree|ok, got it|got it|принять|принять все|согласен|پذیرفتن|قبول|موافقم|أوافق'),
      phrase('(?:используем|использует|использовать) (?:файлы )?(?:cookie|куки)|файл\\p{L}* (?:cookie|куки)'),
      phrase('(?:از|استفاده از) کوکی(?:‌ها)?|ملفات تعريف الارتباط|الكوكيز'),
    ],
  },
  {
    name: 'share-buttons',
    category: 'share',
    maxLength: 120,
    patterns: [phrase('share (?:this|on|via|the) (?:article|story|page|facebook|twitter|x|telegram|whatsapp|email)'), phrase('поделиться в|поделитесь (?:этой|статьей|статьёй)')],
    tokens: [
      'share', 'share this', 'share this article', 'tweet', 'facebook', 'twitter', 'x', 'telegram', 'whatsapp', 'vk', 'vkontakte',
      'linkedin', 'reddit', 'email', 'e-mail', 'print', 'copy link', 'link copied', 'поделиться', 'вконтакте', 'одноклассники',
      'телеграм', 'печать', 'копировать ссылку', 'اشتراک‌گذاری', 'اشتراک گذاری', 'هم‌رسانی', 'همرسانی', 'چاپ', 'تلگرام',
      'مشاركة', 'شارك', 'شارك المقال', 'طباعة', 'نسخ الرابط', 'تويتر', 'فيسبوك',
    ],
  },
  {
    name: 'navigation',
    category: 'navigation',
    maxLength: 200,
    patterns: [
      phrase('skip to (?:main )?content|перейти к (?:основному )?содержанию|رفتن به محتوا|انتقل إلى المحتوى'),
      // A menu or breadcrumb trail: three or more short items between | › » or " > ".
      /^[^|›»>]{1,30}(?:(?:\||›|»|\s>\s)[^|›»>]{1,30}){2,}$/u,
    ],
    tokens: [
      'home', 'menu', 'search', 'news', 'log in', 'login', 'sign in', 'sign out', 'my account', 'account', 'close', 'back', 'next',
      'previous', 'top', 'back to top', 'main menu', 'sections', 'all news', 'latest', 'en', 'ru', 'fa', 'ar', 'english', 'русский',
      'главная', 'меню', 'поиск', 'новости', 'войти', 'выйти', 'закрыть', 'назад', 'далее', 'наверх', 'все новости', 'вход',
      'خانه', 'صفحه اصلی', 'جستجو', 'اخبار', 'ورود', 'منو', 'بستن', 'فارسی', 'الرئيسية', 'بحث', 'القائمة', 'أخبار', 'دخول',
      'تسجيل الدخول', 'إغلاق', 'العربية',
    ],
  },
  {
    name: 'read-more',
    category: 'related',
    maxLength: 60,
    startsList: true,
    patterns: [
      wholeLine(
        'read more|read also|also read|read next|see also|related|related articles|related stories|related coverage|related news|more stories|more news|more on this|more on this story|more from [\\p{L} ]{1,30}|recommended|recommended for you|most read|most popular|popular|trending|you may also like|you might also like|what to read next|editor\'s picks|' +
          'читайте также|читайте еще|читайте ещё|читать далее|читать полностью|подробнее|по теме|материалы по теме|еще по теме|ещё по теме|рекомендуем|самое читаемое|популярное|' +
          'بیشتر بخوانید|بخوانید|مطالب مرتبط|مطالب پربازدید|پربازدیدترین|همچنین بخوانید|' +
          'اقرأ أيضا|اقرأ أيضاً|اقرأ المزيد|مقالات ذات صلة|مواضيع ذات صلة|الأكثر قراءة|ذات صلة',
      ),
      phrase('^read more(?: about| on| at)?'),
    ],
  },
  {
    // "Read also: <another headline>" between paragraphs: a link to another story, not this one.
    name: 'inline-related',
    category: 'related',
    maxLength: 200,
    patterns: [
      /^[\s\p{P}]*(?:read (?:more|also)|also read|see also|related|more on this|читайте (?:также|ещё|еще)|смотрите также|по теме|см\. также|بیشتر بخوانید|همچنین بخوانید|بخوانید|اقرأ (?:أيضا|أيضاً|المزيد)|ذات صلة)\s*[:：]\s*\S/iu,
    ],
  },
  {
    name: 'payment-methods',
    category: 'payment',
    maxLength: 120,
    patterns: [
      wholeLine('pa[iy]e?ments? methods?|pay with(?: a)? card|pay by card|способы оплаты|оплатить картой|روش‌های پرداخت|روش های پرداخت|طرق الدفع|وسائل الدفع'),
    ],
    tokens: ['visa', 'mastercard', 'paypal', 'apple pay', 'google pay', 'mir', 'мир', 'sbp', 'сбп', 'bitcoin', 'crypto', 'patreon', 'boosty', 'card', 'карта'],
  },
  {
    name: 'copyright-notice',
    category: 'copyright',
    maxLength: 200,
    patterns: [
      /^\s*(?:©|\(c\)\s|copyright\s*(?:©|\(c\)|\d{4}))/iu,
      phrase('all rights reserved|все права защищены|(?:تمامی|کلیه) حقوق[^.]{0,40}محفوظ|جميع الحقوق محفوظة'),
    ],
  },
  {
    name: 'comments-prompt',
    category: 'comments',
    maxLength: 80,
    patterns: [wholeLine('(?:\\d+ )?(?:comments?|leave a (?:comment|reply)|add a comment|show comments|комментари\\p{L}*|обсуждение|نظرات|دیدگاه‌ها|التعليقات|تعليقات)')],
  },
];

/** The generic rule with that name; asking for one that does not exist throws with its name. */
export function genericRule(name: string): FurnitureRule {
  const rule = GENERIC_RULES.find((r) => r.name === name);
  if (!rule) throw new Error(`there is no generic ingest rule named "${name}" (known: ${GENERIC_RULES.map((r) => r.name).join(', ')})`);
  return rule;
}

/** Separators between the words of a menu or a row of share buttons. */
const SEPARATORS = /\s*(?:[|•·/›»>\u2022\u00b7\u2013\u2014,;]|\s-\s|\t|\s{2,})\s*/u;

/** True when the line is nothing but words from `tokens` (at least one), separated by spaces or separators. */
export function onlyTokens(line: string, tokens: ReadonlySet<string>): boolean {
  const trimmed = line.replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '').toLowerCase();
  if (!trimmed) return false;
  if (tokens.has(trimmed)) return true;
  const parts = trimmed.split(SEPARATORS).map((p) => p.replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')).filter(Boolean);
  if (parts.length > 1 && parts.every((p) => tokens.has(p))) return true;
  // Buttons run together with single spaces: "Share Tweet Email". Greedy longest match.
  const words = trimmed.split(/\s+/);
  let i = 0;
  while (i < words.length) {
    let matched = 0;
    for (let n = Math.min(4, words.length - i); n > 0; n--) {
      if (tokens.has(words.slice(i, i + n).join(' ').replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ''))) {
        matched = n;
        break;
      }
    }
    if (!matched) return false;
    i += matched;
  }
  return true;
}

/** True when position `index` of `line` sits inside quotation marks (a quote is story text). */
export function insideQuotes(line: string, index: number): boolean {
  const before = line.slice(0, index);
  const opens = (before.match(/[“«„]/g) ?? []).length;
  const closes = (before.match(/[”»]/g) ?? []).length;
  const straight = (before.match(/"/g) ?? []).length;
  // Straight quotes open and close alike: an odd count means we are inside one.
  return opens > closes || straight % 2 === 1;
}
