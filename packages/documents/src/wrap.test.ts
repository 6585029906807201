import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NO_LINE_START, wrapText } from './wrap.js';

// A font-free measure: full-width characters are 1 unit, ASCII half a unit, like a CJK font.
const measure = (s: string) => [...s].reduce((w, ch) => w + (ch.charCodeAt(0) < 0x80 ? 0.5 : 1), 0);

describe('wrapText', () => {
  it('breaks Chinese anywhere and fills lines to the width', () => {
    expect(wrapText('兹证明张三同志系本村村民', 5, measure)).toEqual(['兹证明张三', '同志系本村', '村民']);
  });

  it('keeps numbers and Latin codes whole', () => {
    const lines = wrapText('于二〇二六年即2026年办理编号ABC123的事项', 8, measure);
    expect(lines.some((l) => l.includes('2026'))).toBe(true);
    expect(lines.some((l) => l.includes('ABC123'))).toBe(true);
    // Without the word rule "2026" would be split after "20" on the first line.
    expect(lines[0]).toBe('于二〇二六年即');
  });

  it('moves a character down rather than start a line with closing punctuation', () => {
    // Width 4 would put "。" first on line 2; the 禁则 carries "民" down with it.
    expect(wrapText('系本村村民。特此证明', 4, measure)).toEqual(['系本村村', '民。特此', '证明']);
    expect(wrapText('甲乙丙丁，戊', 4, measure)).toEqual(['甲乙丙', '丁，戊']);
  });

  it('does not leave an opening bracket at the end of a line', () => {
    expect(wrapText('住址为「前鹤山村」', 4, measure)).toEqual(['住址为', '「前鹤山', '村」']);
  });

  it('keeps hard line breaks and drops spaces at soft breaks', () => {
    expect(wrapText('第一段\n\n第二段', 10, measure)).toEqual(['第一段', '', '第二段']);
    expect(wrapText('hello world again', 3, measure)).toEqual(['hello', 'world', 'again']);
  });

  it('breaks a word wider than the whole line', () => {
    expect(wrapText('ABCDEFGHIJ', 2, measure)).toEqual(['ABCD', 'EFGH', 'IJ']);
  });

  it('never exceeds the width, loses no text and respects 禁则 where it can', () => {
    const alphabet = [...'村民委员会证明兹有同志。，、；：？！）」（「2026ABC123 '];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...alphabet), { maxLength: 80 }).map((a) => a.join('')),
        fc.integer({ min: 2, max: 20 }),
        (text, width) => {
          const lines = wrapText(text, width, measure);
          for (const line of lines) {
            expect(measure(line) <= width || [...line].length === 1).toBe(true);
          }
          expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''));
          for (let i = 1; i < lines.length; i += 1) {
            const line = lines[i] ?? '';
            const prev = lines[i - 1] ?? '';
            if (!NO_LINE_START.has(line[0] ?? '')) continue;
            // The rule may give way only where obeying it is impossible: no shorter tail of the
            // previous line (in whole words/characters) could legally start a line, or carrying
            // the shortest such tail down would overflow.
            const units = prev.match(/[A-Za-z0-9]+|./gu) ?? [];
            let tail: string | undefined;
            for (let k = 1; k < units.length; k += 1) {
              const candidate = units.slice(units.length - k).join('');
              if (!NO_LINE_START.has(candidate[0] ?? '')) {
                tail = candidate;
                break;
              }
            }
            expect(tail === undefined || measure(tail + line) > width, JSON.stringify(lines)).toBe(true);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
