import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from './api';
import { errorText } from './errors';

function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return window.btoa(bin);
}

/**
 * Starts TOTP enrolment once: a new secret and its QR code as a data: image (the strict CSP
 * allows images, not inline markup). Shared by the log-in enrolment and the workbench dialog.
 */
export function useTotpSetup(errorContext?: 'login') {
  const { t } = useTranslation();
  const [setup, setSetup] = useState<{ secret: string; qr: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    // One secret per enrolment: React's development double-run must not ask for two.
    if (started.current) return;
    started.current = true;
    api.post<{ secret: string; uri: string; qrSvg: string }>('/api/auth/totp/setup')
      .then((r) => setSetup({ secret: r.secret, qr: `data:image/svg+xml;base64,${toBase64(r.qrSvg)}` }))
      .catch((e: unknown) => setError(errorContext ? errorText(e, t, errorContext) : errorText(e, t)));
  }, [t, errorContext]);
  return { setup, error, setError };
}
