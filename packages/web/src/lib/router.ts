import { useSyncExternalStore, type MouseEvent } from 'react';

/**
 * History routing without a router library: the server answers every non-API path
 * with the app shell, so plain paths like /seals/ID survive a reload.
 */
const EVENT = 'cz:navigate';

function subscribe(cb: () => void): () => void {
  window.addEventListener('popstate', cb);
  window.addEventListener(EVENT, cb);
  return () => {
    window.removeEventListener('popstate', cb);
    window.removeEventListener(EVENT, cb);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function usePath(): string {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(EVENT));
  window.scrollTo(0, 0);
}

/** onClick for an <a href>: client-side navigation unless the user asks for a new tab. */
export function linkClick(to: string) {
  return (e: MouseEvent<HTMLElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
}

export type Route =
  | { name: 'home' }
  | { name: 'seals' }
  | { name: 'seal'; id: string }
  | { name: 'people' }
  | { name: 'audit' }
  | { name: 'notFound' };

export function matchRoute(path: string): Route {
  const p = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  if (p === '/' || p === '/login') return { name: 'home' };
  if (p === '/seals') return { name: 'seals' };
  const m = /^\/seals\/([A-Za-z0-9_-]{1,40})$/.exec(p);
  if (m) return { name: 'seal', id: m[1]! };
  if (p === '/people') return { name: 'people' };
  if (p === '/audit') return { name: 'audit' };
  return { name: 'notFound' };
}
