import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from './api';
import { errorText } from './errors';
import { keysetReducer, keysetStart, pageUrl, pickParams, type Query } from './keyset';
import { navigate, searchOf, usePath } from './router';
import type { Listing } from './types';

// The hooks of the desk's long lists: the list itself, its filters in the address bar, and the
// quiet reload after live events (also used by the virtual-device panel).

export interface KeysetList<T> {
  items: T[];
  /** The cursor of the next page; null at the end. */
  next: string | null;
  loading: boolean;
  error: string | null;
  loadMore: () => Promise<void>;
  /** Reads the first page again now (after a change made here). */
  reload: () => void;
  /** Reads the first page again shortly, once for a burst of calls (live events). */
  reloadSoon: () => void;
  /** Changes rows in place (a fresh view of one row, a live lock) without a reload. */
  setItems: (edit: (items: T[]) => T[]) => void;
  setError: (error: string | null) => void;
}

/**
 * A keyset-paged list from the API (`{ items, next }`): the first page whenever the query
 * changes, further pages on "load more". The query is compared by value, so a screen may
 * build it anew on each render.
 */
export function useKeysetList<T>(path: string, query: Query, { pageSize = 50, quietMs = 500 } = {}): KeysetList<T> {
  const { t } = useTranslation();
  const [state, dispatch] = useReducer(keysetReducer<T>, undefined, keysetStart<T>);
  const gen = useRef(0);
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(query);

  useEffect(() => {
    const g = ++gen.current;
    dispatch({ type: 'start', gen: g });
    api.get<Listing<T>>(pageUrl(path, JSON.parse(key) as Query, pageSize))
      .then((page) => dispatch({ type: 'page', gen: g, page, append: false }))
      .catch((e: unknown) => dispatch({ type: 'failed', gen: g, error: errorText(e, t) }));
  }, [path, key, pageSize, t, tick]);

  const { next, loading } = state;
  const loadMore = useCallback(async () => {
    // Not while a first page is on its way: the cursor belongs to the list being replaced.
    if (!next || loading) return;
    const g = gen.current;
    dispatch({ type: 'start', gen: g });
    try {
      const page = await api.get<Listing<T>>(pageUrl(path, JSON.parse(key) as Query, pageSize, next));
      dispatch({ type: 'page', gen: g, page, append: true });
    } catch (e) {
      dispatch({ type: 'failed', gen: g, error: errorText(e, t) });
    }
  }, [next, loading, path, key, pageSize, t]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const reloadSoon = useSoon(reload, quietMs);
  const setItems = useCallback((edit: (items: T[]) => T[]) => dispatch({ type: 'edit', edit }), []);
  const setError = useCallback((error: string | null) => dispatch({ type: 'error', error }), []);
  return { items: state.items, next, loading, error: state.error, loadMore, reload, reloadSoon, setItems, setError };
}

/**
 * A list screen's filters, kept in the address bar (so Back and a shared link keep them):
 * `keys` (a constant) are read from the query; `setFilter` replaces the entry, not a new one
 * per click; `field(k)` binds one filter to a clearable select.
 */
export function useUrlFilters<K extends string>(base: string, keys: readonly K[]) {
  const search = searchOf(usePath()).toString();
  const filters = useMemo(() => pickParams(new URLSearchParams(search), keys), [search, keys]);
  const setFilter = useCallback(
    (patch: Partial<Record<K, string | undefined>>) => navigate(`${base}${qs({ ...filters, ...patch })}`, { replace: true }),
    [base, filters],
  );
  const field = (k: K) => ({
    value: filters[k],
    onChange: (v?: string | null) => setFilter({ [k]: v || undefined } as Partial<Record<K, string | undefined>>),
  });
  return { filters, setFilter, field };
}

/**
 * A callback that runs `fn` once, `ms` after the last call: a burst of live events (a device
 * reports a lock, a state and a battery at once) becomes one reload. Cancelled on unmount.
 */
export function useSoon(fn: () => void, ms: number): () => void {
  const latest = useRef(fn);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => {
    latest.current = fn;
  });
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => latest.current(), ms);
  }, [ms]);
}
