/**
 * The pure parts of the desk's long lists (ledger, registry, people, devices, alarms): the
 * server answers a page and a `next` cursor (keyset paging), the page shows what it has
 * and a "load more" button while there is a next page. No React and no i18n here, so the
 * rules are tested without a browser; lib/useKeysetList.ts runs them.
 */
import { qs } from './api';
import type { Listing } from './types';

/** A list query: the filters as the API reads them (empty values are left out of the URL). */
export type Query = Record<string, string | number | undefined | null>;

/** The URL of one page: the first without a cursor, each further page after the cursor. */
export function pageUrl(path: string, query: Query, limit: number, cursor?: string | null): string {
  return `${path}${qs({ ...query, limit, cursor })}`;
}

/** Of the address bar's query, the named keys with a value (an empty `?status=` is no filter). */
export function pickParams<K extends string>(search: URLSearchParams, keys: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) {
    const v = search.get(k);
    if (v) out[k] = v;
  }
  return out;
}

/**
 * `gen` counts first loads: the filters changed or the list was reloaded. An answer belongs to
 * the generation that asked for it, so a slow page of the old filters never lands in the new list.
 */
export interface KeysetState<T> { gen: number; items: T[]; next: string | null; loading: boolean; error: string | null }

export type KeysetAction<T> =
  | { type: 'start'; gen: number }
  | { type: 'page'; gen: number; page: Listing<T>; append: boolean }
  | { type: 'failed'; gen: number; error: string }
  | { type: 'edit'; edit: (items: T[]) => T[] }
  | { type: 'error'; error: string | null };

export const keysetStart = <T>(): KeysetState<T> => ({ gen: 0, items: [], next: null, loading: true, error: null });

export function keysetReducer<T>(s: KeysetState<T>, a: KeysetAction<T>): KeysetState<T> {
  switch (a.type) {
    case 'start':
      // What is shown stays until the answer comes (a live reload does not blank the table).
      return a.gen < s.gen ? s : { ...s, gen: a.gen, loading: true };
    case 'page':
      if (a.gen !== s.gen) return s;
      return { ...s, items: a.append ? [...s.items, ...a.page.items] : a.page.items, next: a.page.next, loading: false, error: null };
    case 'failed':
      return a.gen !== s.gen ? s : { ...s, loading: false, error: a.error };
    case 'edit':
      return { ...s, items: a.edit(s.items) };
    case 'error':
      return { ...s, error: a.error };
  }
}
