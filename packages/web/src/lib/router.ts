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
  | { name: 'apply' }
  | { name: 'mine' }
  | { name: 'inbox' }
  | { name: 'queue' }
  | { name: 'application'; id: string }
  | { name: 'certificate' }
  | { name: 'delegations' }
  | { name: 'ledger' }
  | { name: 'matters' }
  | { name: 'seals' }
  | { name: 'seal'; id: string }
  | { name: 'people' }
  | { name: 'audit' }
  | { name: 'notFound' };

const ID = '([A-Za-z0-9_-]{1,40})';
const SIMPLE = ['apply', 'mine', 'inbox', 'queue', 'certificate', 'delegations', 'ledger', 'matters', 'seals', 'people', 'audit'] as const;

export function matchRoute(path: string): Route {
  const p = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  if (p === '/' || p === '/login') return { name: 'home' };
  const simple = SIMPLE.find((s) => p === `/${s}`);
  if (simple) return { name: simple };
  const seal = new RegExp(`^/seals/${ID}$`).exec(p);
  if (seal) return { name: 'seal', id: seal[1]! };
  const app = new RegExp(`^/applications/${ID}$`).exec(p);
  if (app) return { name: 'application', id: app[1]! };
  return { name: 'notFound' };
}

/** The query string of the current path as URLSearchParams. */
export function searchOf(path: string): URLSearchParams {
  return new URLSearchParams(path.includes('?') ? path.slice(path.indexOf('?')) : '');
}
