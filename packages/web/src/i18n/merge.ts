type Tree = { [k: string]: string | Tree };

/**
 * Sections of a later dictionary added to an earlier one, key by key (the device screens'
 * `nav` and `tiles` entries join zh.ts's). A key defined twice is a mistake: it throws.
 */
export function mergeDicts<A extends object, B extends object>(a: A, b: B): A & B {
  const out: Tree = { ...(a as unknown as Tree) };
  for (const [section, keys] of Object.entries(b as unknown as Tree)) {
    const base = out[section];
    if (base === undefined) {
      out[section] = keys;
      continue;
    }
    if (typeof base === 'string' || typeof keys === 'string') throw new Error(`i18n: ${section} is both a string and a section`);
    for (const k of Object.keys(keys)) if (k in base) throw new Error(`i18n: ${section}.${k} is defined twice`);
    out[section] = { ...base, ...keys };
  }
  return out as unknown as A & B;
}
