import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Login } from './auth/Login';
import { api, ApiError, SESSION_LOST } from './lib/api';
import type { Me } from './lib/types';

// Everything behind the log-in loads only after a full log-in; the desk screens that use
// antd load later still, with their own chunks (see shell/Shell.tsx).
const Shell = lazy(() => import('./shell/Shell'));

type State =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'anon'; notice?: string }
  | { kind: 'partial'; me: Me }
  | { kind: 'full'; me: Me };

export function Splash() {
  const { t } = useTranslation();
  return (
    <div className="splash" role="status" aria-live="polite">
      <span className="brand-mark" aria-hidden="true">章</span>
      <span>{t('common.loading')}</span>
    </div>
  );
}

export function App() {
  const { t } = useTranslation();
  const [state, setState] = useState<State>({ kind: 'loading' });

  const refresh = useCallback(async () => {
    try {
      const me = await api.get<Me>('/api/me');
      setState(me.stage === 'full' ? { kind: 'full', me } : { kind: 'partial', me });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setState({ kind: 'anon' });
      else setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    const lost = () => setState({ kind: 'anon', notice: 'SESSION_EXPIRED' });
    window.addEventListener(SESSION_LOST, lost);
    return () => window.removeEventListener(SESSION_LOST, lost);
  }, []);

  const logout = useCallback(async () => {
    try {
      await api.post('/api/auth/logout');
    } catch {
      // the session may be gone already; the page forgets it either way
    }
    setState({ kind: 'anon' });
  }, []);

  switch (state.kind) {
    case 'loading':
      return <Splash />;
    case 'error':
      return (
        <main className="splash" id="main">
          <p role="alert">{t('errors.NETWORK')}</p>
          <button type="button" className="btn" onClick={() => { setState({ kind: 'loading' }); void refresh(); }}>{t('common.retry')}</button>
        </main>
      );
    case 'anon':
      return <Login onDone={refresh} {...(state.notice ? { notice: t(`errors.${state.notice}`) } : {})} />;
    case 'partial':
      return <Login onDone={refresh} initialStage={state.me.stage === 'enrol' ? 'enrol' : 'totp'} userName={state.me.user.name} />;
    case 'full':
      return (
        <Suspense fallback={<Splash />}>
          <Shell me={state.me} onLogout={logout} />
        </Suspense>
      );
  }
}
