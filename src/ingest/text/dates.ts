/**
 * Dates written for people, as a copied page shows them: "2015-08-13", "August 13, 2015",
 * "Aug. 13, 2015 10:47", "13 августа 2015", "13.08.2015", "۲۰۱۵-۰۸-۱۳". A time without a zone
 * is not turned into an instant (we do not know the zone): only the day is kept.
 */

const EN_MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const RU_MONTHS = ['январ', 'феврал', 'март', 'апрел', 'ма', 'июн', 'июл', 'август', 'сентябр', 'октябр', 'ноябр', 'декабр'];
const AR_MONTHS = ['يناير', 'فبراير', 'مارس', 'أبريل', 'مايو', 'يونيو', 'يوليو', 'أغسطس', 'سبتمبر', 'أكتوبر', 'نوفمبر', 'ديسمبر'];
const FA_MONTHS = ['ژانویه', 'فوریه', 'مارس', 'آوریل', 'مه', 'ژوئن', 'ژوئیه', 'اوت', 'سپتامبر', 'اکتبر', 'نوامبر', 'دسامبر'];

/** Persian and Arabic-Indic digits to ASCII. */
export function asciiDigits(s: string): string {
  return s.replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660));
}

function iso(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1 || y < 1900 || y > 2200) return undefined;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCDate() !== d) return undefined;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function monthIndex(word: string): number | undefined {
  const w = word.toLowerCase().replace(/\.$/, '');
  if (/^[a-z]+$/.test(w)) {
    const i = EN_MONTHS.findIndex((full) => full === w || full.slice(0, 3) === w || (w === 'sept' && full === 'september'));
    return i < 0 ? undefined : i + 1;
  }
  for (const [i, m] of RU_MONTHS.entries()) {
    // "мая"/"май" only: the stem "ма" alone would also match "март".
    if (i === 4 ? /^ма[йя]$/.test(w) : w.startsWith(m) && /^[а-яё]+$/.test(w) && w.length <= m.length + 2) return i + 1;
  }
  const a = AR_MONTHS.indexOf(word);
  if (a >= 0) return a + 1;
  const f = FA_MONTHS.indexOf(word);
  if (f >= 0) return f + 1;
  return undefined;
}

/**
 * The first date in `text`, as "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SSZ" when a time with a
 * zone is given in ISO form. Undefined when there is none.
 */
export function findDate(text: string): string | undefined {
  const s = asciiDigits(text);
  const isoFull = /(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})/i.exec(s);
  if (isoFull) {
    const when = new Date(`${isoFull[1]}-${isoFull[2]}-${isoFull[3]}T${isoFull[4]}:${isoFull[5]}:${isoFull[6] ?? '00'}${isoFull[7]!.length === 5 ? isoFull[7]!.slice(0, 3) + ':' + isoFull[7]!.slice(3) : isoFull[7]}`);
    if (!Number.isNaN(when.getTime())) return when.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  const isoDay = /(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)/.exec(s);
  if (isoDay) return iso(+isoDay[1]!, +isoDay[2]!, +isoDay[3]!);
  // "August 13, 2015", "Aug. 13 2015"
  const mdy = /(?<![\p{L}])(\p{L}{3,9}\.?)\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)/u.exec(s);
  if (mdy) {
    const m = monthIndex(mdy[1]!);
    if (m) return iso(+mdy[3]!, m, +mdy[2]!);
  }
  // "13 August 2015", "13 августа 2015 г.", "13 أغسطس 2015"
  const dmy = /(?<!\d)(\d{1,2})\s+(\p{L}{3,9}\.?),?\s+(\d{4})(?!\d)/u.exec(s);
  if (dmy) {
    const m = monthIndex(dmy[2]!);
    if (m) return iso(+dmy[3]!, m, +dmy[1]!);
  }
  // "13.08.2015" (day first, as in Russian and most of Europe)
  const dotted = /(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?![\d.])/.exec(s);
  if (dotted) return iso(+dotted[3]!, +dotted[2]!, +dotted[1]!);
  return undefined;
}

/**
 * A line that is only a date (with an optional time, weekday and a "Published"/"Updated"
 * label): returns which date it is. Lines of story text that mention a date are not matched.
 */
export function dateLine(line: string): { date: string; updated: boolean } | undefined {
  if (line.length > 90) return undefined;
  const date = findDate(line);
  if (!date) return undefined;
  const words = asciiDigits(line)
    .replace(/\d+/g, ' ')
    .split(/[\s\p{P}\p{S}]+/u)
    .filter(Boolean);
  // A date line has few words besides the month, weekday, labels and "at", "г.", "UTC".
  if (words.length > 6) return undefined;
  const updated = /updated|modified|обновлен|изменен|به‌روز|بروز|تحديث|تم التحديث/iu.test(line);
  return { date, updated };
}

/** "By Jane Doe", "Автор: Иван Петров", "نویسنده: …", "بقلم …": the author's name, or undefined. */
export function bylineAuthor(line: string): string | undefined {
  if (line.length > 100) return undefined;
  const m = /^\s*(?:by|written by|автор(?:ы)?:?|текст:?|نویسنده:?|گزارش از:?|بقلم:?|كتب:?|الكاتب:?)\s+(.+?)\s*$/iu.exec(line);
  if (!m) return undefined;
  const name = m[1]!.replace(/[,|•·].*$/u, '').trim();
  if (!name || name.split(/\s+/).length > 6 || /[.!?]$/.test(name)) return undefined;
  return name;
}
