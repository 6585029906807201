/**
 * Small plain building blocks of the phone screens. No UI kit: the phone app must stay
 * light (issue 3: the first screen loads at most 250 KB of gzipped JavaScript).
 */
import { createContext, useCallback, useContext, useEffect, useId, useRef, useState, type Dispatch, type ReactNode, type SetStateAction } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../lib/errors';
import { linkClick } from '../lib/router';

// ── Loading any data: { data, setData, error, loading, reload } ─────────────────────────

export interface Loaded<T> {
  data: T | null;
  /** Puts a fresher value in place (an answer to a change made here) without a reload. */
  setData: Dispatch<SetStateAction<T | null>>;
  error: string | null;
  loading: boolean;
  /** Reads again, keeping what is shown until the answer comes. */
  reload: () => Promise<void>;
}

/**
 * Data read for a screen or a drawer, again when `deps` change; an answer still on its way for
 * earlier deps is dropped. What was shown stays until the new answer comes.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const { t } = useTranslation();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps);
  const reload = useCallback(async () => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const v = await run();
      if (mine !== seq.current) return;
      setData(v);
      setError(null);
    } catch (e) {
      if (mine === seq.current) setError(errorText(e, t));
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  }, [run, t]);
  useEffect(() => {
    void reload();
    // A load still under way when the screen changes must not land: bump the counter it checks.
    const counter = seq;
    return () => {
      counter.current++;
    };
  }, [reload]);
  return { data, setData, error, loading, reload };
}

// ── States ────────────────────────────────────────────────────────────────────────────

export function Loading({ text }: { text?: string }) {
  const { t } = useTranslation();
  return <p className="m-state" role="status">{text ?? t('common.loading')}</p>;
}

export function ErrorBox({ text, onRetry }: { text: string; onRetry?: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="m-alert m-alert-error" role="alert" data-testid="error">
      <span>{text}</span>
      {onRetry && <button type="button" className="btn" onClick={onRetry}>{t('common.retry')}</button>}
    </div>
  );
}

export function Empty({ text, children }: { text: string; children?: ReactNode }) {
  return (
    <div className="m-empty" data-testid="empty">
      <p>{text}</p>
      {children}
    </div>
  );
}

export function Note({ kind = 'info', children, testid }: { kind?: 'info' | 'warning' | 'success' | 'error'; children: ReactNode; testid?: string }) {
  return <div className={`m-alert m-alert-${kind}`} data-testid={testid}>{children}</div>;
}

export function PageTitle({ title, sub, back }: { title: ReactNode; sub?: ReactNode; back?: { href: string; label: string } }) {
  return (
    <div className="m-head">
      {back && <a className="m-back" href={back.href} onClick={linkClick(back.href)}>← {back.label}</a>}
      <h1>{title}</h1>
      {sub && <p>{sub}</p>}
    </div>
  );
}

/** Application status as a coloured badge (colours with at least 4.5:1 contrast). */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return <span className={`m-badge m-st-${status}`} data-testid="app-status" data-status={status}>{t(`appStatus.${status}`, { defaultValue: status })}</span>;
}

// ── Dialogs: the native <dialog> (focus kept inside, Escape closes) ───────────────────────

export function Dialog({ open, title, onClose, children, footer, wide, testid }: {
  open: boolean; title: string; onClose: () => void; children: ReactNode; footer?: ReactNode; wide?: boolean; testid?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { t } = useTranslation();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className={`m-dialog${wide ? ' m-dialog-wide' : ''}`} aria-labelledby={titleId} data-testid={testid}
      onCancel={(e) => { e.preventDefault(); onClose(); }}
      onClick={(e) => { if (e.target === ref.current) onClose(); }}>
      {open && (
        <div className="m-dialog-body">
          <div className="m-dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="m-icon-btn" aria-label={t('common.close')} onClick={onClose}>×</button>
          </div>
          {children}
          {footer && <div className="m-dialog-foot">{footer}</div>}
        </div>
      )}
    </dialog>
  );
}

/** A page photo shown large: tap a thumbnail, read the page, pinch to zoom (the browser's own). */
export function PhotoViewer({ src, alt, onClose }: { src: string | null; alt: string; onClose: () => void }) {
  return (
    <Dialog open={!!src} title={alt} onClose={onClose} wide testid="photo-viewer">
      {src && <img className="m-photo-full" src={src} alt={alt} />}
    </Dialog>
  );
}

// ── Toasts: live updates and confirmations ───────────────────────────────────────────

export interface Toast { text: string; kind?: 'info' | 'success' | 'warning' | 'error'; href?: string; linkText?: string }
interface ShownToast extends Toast { id: number }

const ToastContext = createContext<(t: Toast) => void>(() => undefined);
export const useToast = () => useContext(ToastContext);

export function ToastProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [toasts, setToasts] = useState<ShownToast[]>([]);
  const next = useRef(1);
  const close = useCallback((id: number) => setToasts((xs) => xs.filter((x) => x.id !== id)), []);
  const push = useCallback((toast: Toast) => {
    const id = next.current++;
    setToasts((xs) => [...xs.slice(-3), { ...toast, id }]);
    window.setTimeout(() => close(id), 8000);
  }, [close]);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="m-toasts" role="status" aria-live="polite" data-testid="toasts">
        {toasts.map((x) => (
          <div key={x.id} className={`m-toast m-toast-${x.kind ?? 'info'}`} data-testid="toast">
            <span>{x.text}</span>
            {x.href && <a href={x.href} onClick={(e) => { close(x.id); linkClick(x.href!)(e); }}>{x.linkText ?? t('common.view')}</a>}
            <button type="button" className="m-icon-btn" aria-label={t('common.close')} onClick={() => close(x.id)}>×</button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
