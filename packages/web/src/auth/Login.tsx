import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { LangSwitch } from '../LangSwitch';
import { api } from '../lib/api';
import { useTotpSetup } from '../lib/totp';
import { errorText } from '../lib/errors';
import type { Stage } from '../lib/types';

/**
 * Log in: phone + password, then the 6-digit TOTP code, or for an administrator who has
 * none yet, the enrolment (QR code + secret + first code). Plain elements and one small
 * stylesheet: this is the screen a village phone loads first, so it carries no UI kit.
 */
export function Login({ onDone, initialStage, userName, notice }: {
  onDone: () => Promise<void> | void;
  initialStage?: Exclude<Stage, 'full'>;
  userName?: string;
  notice?: string;
}) {
  const { t } = useTranslation();
  const [stage, setStage] = useState<'password' | 'totp' | 'enrol'>(initialStage ?? 'password');

  const back = async () => {
    try {
      await api.post('/api/auth/logout');
    } catch {
      // a half-finished session expires by itself
    }
    setStage('password');
  };

  return (
    <div className="auth-page">
      <a className="skip-link" href="#main">{t('common.skip')}</a>
      <header className="auth-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">章</span>
          <span className="brand-name">{t('common.appName')}</span>
        </div>
        <LangSwitch className="btn btn-ghost-light" />
      </header>
      <main id="main" className="auth-main">
        <p className="auth-tagline">{t('common.appTagline')}</p>
        {stage === 'password' && <PasswordStep notice={notice} onStage={async (s) => (s === 'full' ? onDone() : setStage(s))} />}
        {stage === 'totp' && <TotpStep userName={userName} onDone={onDone} onBack={back} />}
        {stage === 'enrol' && <EnrolStep userName={userName} onDone={onDone} onBack={back} />}
      </main>
      <footer className="auth-footer">{t('auth.footer')}</footer>
    </div>
  );
}

function PasswordStep({ onStage, notice }: { onStage: (s: Stage) => Promise<void> | void; notice?: string | undefined }) {
  const { t } = useTranslation();
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!phone.trim()) return setError(t('auth.required', { field: t('auth.phone') }));
    if (!password) return setError(t('auth.required', { field: t('auth.password') }));
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<{ stage: Stage }>('/api/auth/login', { phone: phone.trim(), password });
      await onStage(r.stage);
    } catch (err) {
      setError(errorText(err, t, 'login'));
      setBusy(false);
    }
  };

  return (
    <section className="auth-card" aria-labelledby="auth-title">
      <h1 id="auth-title">{t('auth.title')}</h1>
      <p className="muted">{t('auth.subtitle')}</p>
      {notice && !error && <p className="notice" role="status">{notice}</p>}
      <form onSubmit={submit} noValidate>
        <label htmlFor="login-phone">{t('auth.phone')}</label>
        <input id="login-phone" name="phone" type="tel" inputMode="numeric" autoComplete="username" maxLength={20}
          value={phone} onChange={(e) => setPhone(e.target.value)} aria-invalid={!!error} required />
        <label htmlFor="login-password">{t('auth.password')}</label>
        <input id="login-password" name="password" type="password" autoComplete="current-password" maxLength={200}
          value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={!!error} required />
        <div className="form-error" role="alert" data-testid="login-error">{error}</div>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>{busy ? t('common.loading') : t('auth.submit')}</button>
      </form>
    </section>
  );
}

function CodeForm({ label, onSubmit, submitLabel }: { label: string; submitLabel: string; onSubmit: (code: string) => Promise<void> }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!/^\d{6}$/.test(code)) return setError(t('auth.codeInvalid'));
    setBusy(true);
    setError(null);
    try {
      await onSubmit(code);
    } catch (err) {
      setError(errorText(err, t, 'login'));
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} noValidate>
      <label htmlFor="totp-code">{label}</label>
      <input id="totp-code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" maxLength={6}
        className="code-input" value={code} onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))} aria-invalid={!!error} required />
      <div className="form-error" role="alert" data-testid="login-error">{error}</div>
      <button type="submit" className="btn btn-primary btn-block" disabled={busy}>{busy ? t('common.loading') : submitLabel}</button>
    </form>
  );
}

function TotpStep({ userName, onDone, onBack }: { userName?: string | undefined; onDone: () => Promise<void> | void; onBack: () => void }) {
  const { t } = useTranslation();
  return (
    <section className="auth-card" aria-labelledby="auth-title">
      <h1 id="auth-title">{t('auth.totpTitle')}</h1>
      {userName && <p className="who">{userName}</p>}
      <p className="muted">{t('auth.totpHint')}</p>
      <CodeForm label={t('auth.code')} submitLabel={t('auth.verify')} onSubmit={async (code) => {
        await api.post('/api/auth/totp', { code });
        await onDone();
      }} />
      <button type="button" className="btn btn-link" onClick={onBack}>{t('auth.backToLogin')}</button>
    </section>
  );
}


function EnrolStep({ userName, onDone, onBack }: { userName?: string | undefined; onDone: () => Promise<void> | void; onBack: () => void }) {
  const { t } = useTranslation();
  const { setup, error } = useTotpSetup('login');

  return (
    <section className="auth-card" aria-labelledby="auth-title">
      <h1 id="auth-title">{t('auth.enrolTitle')}</h1>
      {userName && <p className="who">{userName}</p>}
      <p className="muted">{t('auth.enrolHint')}</p>
      {error && <p className="form-error" role="alert">{error}</p>}
      {setup ? (
        <>
          <img className="qr" src={setup.qr} alt={t('auth.qrAlt')} width={200} height={200} data-testid="totp-qr" />
          <p className="secret">
            <span>{t('auth.secret')}</span>
            <code data-testid="totp-secret">{setup.secret}</code>
          </p>
          <CodeForm label={t('auth.code')} submitLabel={t('auth.enable')} onSubmit={async (code) => {
            await api.post('/api/auth/totp/enable', { code });
            await onDone();
          }} />
        </>
      ) : !error && <p role="status">{t('common.loading')}</p>}
      <button type="button" className="btn btn-link" onClick={onBack}>{t('auth.backToLogin')}</button>
    </section>
  );
}
