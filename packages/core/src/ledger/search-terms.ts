/**
 * Free-text search of the ledger (用印登记簿) in Chinese, the same on SQLite and PostgreSQL.
 *
 * Chinese has no spaces between words and people search with one to four characters (a
 * surname 王, a word 证明, a name 王建国), so words cannot be cut reliably. Instead every run
 * of CJK characters is indexed as its single characters and its character pairs (bigrams):
 * 居住证明 → 居 住 证 明 居住 住证 证明. A query of one character looks up that character; a
 * longer one looks up each of its pairs, all of which must be present (王建国 → 王建 & 建国).
 * Latin letters and digits form lower-cased words (a filing number, a house number).
 *
 * The store keeps these terms in a column beside the application and indexes them (SQLite:
 * an FTS5 table; PostgreSQL: a tsvector with a GIN index), so a search costs about the same
 * at a million entries as at ten thousand.
 */

// CJK ideographs (unified, extension A, compatibility) and the two kana blocks, which
// appear in names and titles now and then.
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/u;

/** Latin/digit words and CJK runs of `text`, in order. */
function runs(text: string): { cjk: boolean; text: string }[] {
  const out: { cjk: boolean; text: string }[] = [];
  let cur: { cjk: boolean; text: string } | null = null;
  for (const ch of text.normalize('NFKC').toLowerCase()) {
    const cjk = CJK.test(ch);
    const word = /^[a-z0-9]$/.test(ch);
    if (!cjk && !word) {
      cur = null;
      continue;
    }
    if (cur && cur.cjk === cjk) cur.text += ch;
    else {
      cur = { cjk, text: ch };
      out.push(cur);
    }
  }
  return out;
}

/** Longest latin/digit word kept (longer ones are cut: a term is a look-up key, not a copy). */
const MAX_WORD = 32;

/**
 * The index terms of some texts, deduplicated, space-separated: CJK characters and
 * bigrams, lower-cased latin/digit words.
 */
export function searchTerms(...texts: (string | null | undefined)[]): string {
  const terms = new Set<string>();
  for (const t of texts) {
    if (!t) continue;
    for (const r of runs(t)) {
      if (!r.cjk) {
        terms.add(r.text.slice(0, MAX_WORD));
        continue;
      }
      const chars = [...r.text];
      chars.forEach((c, i) => {
        terms.add(c);
        if (i + 1 < chars.length) terms.add(c + chars[i + 1]);
      });
    }
  }
  return [...terms].join(' ');
}

/** Most terms one query may carry; the rest of a very long query is ignored. */
const MAX_QUERY_TERMS = 16;

/**
 * The terms a query must all match: single CJK characters stand alone, longer runs give
 * their bigrams, latin/digit words themselves. Empty when the query holds nothing to search.
 */
export function queryTerms(q: string): string[] {
  const terms = new Set<string>();
  for (const r of runs(q)) {
    if (!r.cjk) {
      terms.add(r.text.slice(0, MAX_WORD));
      continue;
    }
    const chars = [...r.text];
    if (chars.length === 1) terms.add(chars[0]!);
    for (let i = 0; i + 1 < chars.length; i++) terms.add(chars[i]! + chars[i + 1]);
  }
  return [...terms].slice(0, MAX_QUERY_TERMS);
}
