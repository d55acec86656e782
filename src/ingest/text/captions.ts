/**
 * Photo captions in copied text: a named list, like the furniture rules. A caption is kept as
 * `image_caption`, never as body text.
 */
export interface CaptionRule {
  name: string;
  /** 'head': only between the headline and the first paragraph; 'anywhere': also inside the story. */
  where: 'head' | 'anywhere';
  pattern: RegExp;
  maxLength: number;
}

const AGENCIES =
  'AP|AFP|Reuters|Getty Images|Getty|EPA|EPA-EFE|TASS|Sputnik|ANSA|Xinhua|Shutterstock|Wikimedia Commons|' +
  'ТАСС|РИА Новости|Интерфакс|Коммерсантъ|' +
  'ایسنا|ایرنا|تسنیم|فارس|ایلنا|' +
  'رويترز|أ ف ب|وكالة الصحافة الفرنسية|أسوشيتد برس';

export const CAPTION_RULES: readonly CaptionRule[] = [
  {
    // "Khaled Khoja (L) talks to Sergei Lavrov": who stands where is said only in captions.
    name: 'position-marker',
    where: 'head',
    maxLength: 400,
    pattern: /\((?:L|R|C|left|right|center|centre|front|back|top|bottom|\d(?:st|nd|rd|th) (?:L|R|left|right)|слева|справа|в центре|چپ|راست|وسط|يسار|يمين|في الوسط)\)/iu,
  },
  {
    name: 'photo-credit-label',
    where: 'anywhere',
    maxLength: 400,
    pattern: /(?:^|[\s(|/—–-])(?:photo|photograph|image|picture|фото|снимок|иллюстрация|عکس|تصویر|صورة|الصورة|تصوير)(?: by)?\s*[:：]\s*[\p{L}\p{N} .,'’/&-]{2,60}\)?\s*$|^\s*(?:photo|фото|عکس|صورة|الصورة)\s*[:：]/iu,
  },
  {
    name: 'agency-credit',
    where: 'anywhere',
    maxLength: 400,
    pattern: new RegExp(`(?:[/|©—–]|\\()\\s*(?:${AGENCIES})(?:\\s*(?:photo|фото|/\\s*[\\p{L} .]{2,40}))?\\s*\\)?\\s*$`, 'iu'),
  },
];
