import { describe, expect, it } from 'vitest';
import { keysetReducer, keysetStart, pageUrl, pickParams, type KeysetState } from './keyset';

type Row = { id: string };
const rows = (...ids: string[]): Row[] => ids.map((id) => ({ id }));

describe('keyset list URLs and filters', () => {
  it('asks for the first page without a cursor and leaves empty filters out', () => {
    expect(pageUrl('/api/alarms', { status: 'open', rule: undefined, q: '' }, 50)).toBe('/api/alarms?status=open&limit=50');
    expect(pageUrl('/api/users', { q: '张' }, 50, 'c1')).toBe(`/api/users?q=${encodeURIComponent('张')}&limit=50&cursor=c1`);
  });

  it('reads only the named keys with a value from the address bar', () => {
    const f = pickParams(new URLSearchParams('orgCode=371722&status=&open=A1&page=3'), ['orgCode', 'status', 'open'] as const);
    expect(f).toEqual({ orgCode: '371722', open: 'A1' });
  });
});

describe('keyset list state', () => {
  const run = (...actions: Parameters<typeof keysetReducer<Row>>[1][]): KeysetState<Row> =>
    actions.reduce((s, a) => keysetReducer<Row>(s, a), keysetStart<Row>());

  it('replaces on a first page, appends a further page, and clears an earlier error', () => {
    const s = run(
      { type: 'start', gen: 1 },
      { type: 'failed', gen: 1, error: 'offline' },
      { type: 'start', gen: 2 },
      { type: 'page', gen: 2, page: { items: rows('a', 'b'), next: 'n1' }, append: false },
      { type: 'start', gen: 2 },
      { type: 'page', gen: 2, page: { items: rows('c'), next: null }, append: true },
    );
    expect(s).toEqual({ gen: 2, items: rows('a', 'b', 'c'), next: null, loading: false, error: null });
  });

  it('keeps the rows on screen while the first page is read again', () => {
    const s = run({ type: 'start', gen: 1 }, { type: 'page', gen: 1, page: { items: rows('a'), next: null }, append: false }, { type: 'start', gen: 2 });
    expect(s.items).toEqual(rows('a'));
    expect(s.loading).toBe(true);
  });

  it('drops answers of a query that was replaced meanwhile', () => {
    const s = run(
      { type: 'start', gen: 1 },
      { type: 'start', gen: 2 },
      { type: 'page', gen: 2, page: { items: rows('new'), next: null }, append: false },
      { type: 'page', gen: 1, page: { items: rows('old'), next: 'x' }, append: false },
      { type: 'failed', gen: 1, error: 'late failure' },
      { type: 'start', gen: 1 },
    );
    expect(s).toEqual({ gen: 2, items: rows('new'), next: null, loading: false, error: null });
  });

  it('edits rows in place and sets or clears the error', () => {
    const s = run(
      { type: 'start', gen: 1 },
      { type: 'page', gen: 1, page: { items: rows('a', 'b'), next: 'n' }, append: false },
      { type: 'edit', edit: (items) => items.map((r) => (r.id === 'b' ? { id: 'B' } : r)) },
      { type: 'error', error: 'refused' },
    );
    expect(s.items).toEqual(rows('a', 'B'));
    expect(s.next).toBe('n');
    expect(s.error).toBe('refused');
    expect(keysetReducer(s, { type: 'error', error: null }).error).toBeNull();
  });
});
