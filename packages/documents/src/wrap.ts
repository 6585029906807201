/**
 * Line breaking for Chinese text mixed with Latin words and numbers.
 *
 * Chinese may break between any two characters, but a line must not start with closing
 * punctuation (。，、；：？！）」 …) nor end with an opening bracket — the simple 禁则 every
 * printed document follows. Latin words, numbers and codes ("2026", "ABC123", "12,000.50")
 * stay whole unless a single one is wider than the line, where breaking it is the only way
 * to keep within the width.
 */

/** Characters that must not begin a line. */
export const NO_LINE_START = new Set(
  '。，、；：？！）」』》〉】〕〗｝”’．·…—～％‰℃,.;:?!)]}%'.split(''),
);
/** Characters that must not end a line. */
export const NO_LINE_END = new Set('（「『《〈【〔〖｛“‘([{'.split(''));

export type Measure = (text: string) => number;

// A "word": letters and digits joined by the punctuation that lives inside numbers, dates,
// codes and URLs; anything else is one token per character so CJK can break anywhere.
const TOKEN = /[A-Za-z0-9\u00C0-\u024F]+(?:[.,:\-/_@#&=?~+][A-Za-z0-9\u00C0-\u024F]+)*|[ \t]+|\r\n|[\s\S]/gu;

function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

const isBreakableSpace = (token: string) => /^[ \t]+$/.test(token);

/**
 * Splits `text` into lines no wider than `maxWidth` as measured by `measure`. Hard line
 * breaks (\n, \r\n) are kept; spaces at a soft break are dropped. Only a single character
 * wider than the whole line can exceed the width.
 */
export function wrapText(text: string, maxWidth: number, measure: Measure): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r\n|\r|\n/)) {
    lines.push(...wrapParagraph(paragraph, maxWidth, measure));
  }
  return lines;
}

function wrapParagraph(paragraph: string, maxWidth: number, measure: Measure): string[] {
  const lines: string[][] = [];
  let line: string[] = [];
  let width = 0;
  // Set when a space did not fit: the break happens before the next visible token instead,
  // so that 禁则 can still look at what starts the next line.
  let pendingBreak = false;

  const lineWidth = (tokens: string[]) => measure(tokens.join(''));
  const flush = () => {
    while (line.length > 0 && isBreakableSpace(line[line.length - 1] ?? '')) line.pop();
    lines.push(line);
    line = [];
    width = 0;
  };

  const place = (token: string) => {
    const w = measure(token);
    if (pendingBreak) {
      if (isBreakableSpace(token)) return;
      pendingBreak = false;
      if (w <= maxWidth) {
        breakBefore(token);
        return;
      }
      flush();
    }
    if (width + w <= maxWidth) {
      line.push(token);
      width += w;
      return;
    }
    if (isBreakableSpace(token)) {
      // A space at the break disappears rather than starting the next line.
      pendingBreak = true;
      return;
    }
    if (w > maxWidth) {
      // A word wider than a whole line: break it character by character.
      for (const ch of token) placeChar(ch);
      return;
    }
    breakBefore(token);
  };

  const placeChar = (ch: string) => {
    const w = measure(ch);
    if (width + w <= maxWidth || line.length === 0) {
      line.push(ch);
      width += w;
    } else {
      breakBefore(ch);
    }
  };

  // Starts a new line with `token`, carrying tokens down from the end of the current line
  // when 禁则 forbids the break point. Prefers the shortest carry that obeys both rules (no
  // closing punctuation first, no opening bracket last), then one that at least keeps
  // punctuation off the line start, then breaking right here.
  const breakBefore = (token: string) => {
    const startsOk = (carried: string[]) => !NO_LINE_START.has((carried[0] ?? '')[0] ?? '');
    const endsOk = (kept: string[]) => !NO_LINE_END.has(kept[kept.length - 1] ?? '');
    let both: number | undefined;
    let startOnly: number | undefined;
    for (let k = 0; k < line.length; k += 1) {
      const kept = line.slice(0, line.length - k);
      const carried = [...line.slice(line.length - k), token];
      if (k > 0 && lineWidth(carried) > maxWidth) break;
      if (startsOk(carried)) {
        startOnly ??= k;
        if (endsOk(kept)) {
          both = k;
          break;
        }
      }
    }
    const k = both ?? startOnly ?? 0;
    const carried = [...line.slice(line.length - k), token];
    line = line.slice(0, line.length - k);
    flush();
    line = carried;
    width = lineWidth(carried);
  };

  for (const token of tokenize(paragraph)) place(token);
  if (line.length > 0 || lines.length === 0) flush();
  return lines.map((tokens) => tokens.join(''));
}
