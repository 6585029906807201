import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import type { DevicePass as Pass } from '../lib/types';
import { ErrorBox, Loading, useLoad } from '../shell/ui';
import './devices.css';

/**
 * 设备通行码: what the applicant (or the clerk who applied for a villager) shows the operator at
 * the device — the 6-digit code to type, and the signed authorization as a QR code the device's
 * camera reads when it is offline. Fetched fresh, never cached (the server says no-store).
 */
export default function DevicePassSection({ applicationId }: { applicationId: string }) {
  const { t } = useTranslation();
  const d = useLoad(() => api.get<Pass>(`/api/applications/${encodeURIComponent(applicationId)}/device-pass`), [applicationId]);
  return (
    <section className="m-card cz-pass" aria-labelledby="pass-title" data-testid="device-pass">
      <h2 id="pass-title" className="cz-card-title">{t('pass.title')}</h2>
      <p className="m-hint">{t('pass.hint')}</p>
      {d.error && <ErrorBox text={d.error} onRetry={d.reload} />}
      {!d.data && !d.error && <Loading />}
      {d.data && (
        <>
          <p className="cz-pass-code" aria-label={t('pass.codeLabel', { code: d.data.code.split('').join(' ') })} data-testid="pass-code">
            {d.data.code.slice(0, 3)}<span aria-hidden="true"> </span>{d.data.code.slice(3)}
          </p>
          {d.data.qrDataUrl
            ? <img className="cz-pass-qr" src={d.data.qrDataUrl} alt={t('pass.qrAlt')} data-testid="pass-qr" />
            : <p className="m-alert m-alert-info">{t('pass.noQr')}</p>}
          {d.data.validUntil && <p className="m-hint">{t('pass.until', { at: formatTime(d.data.validUntil) })}</p>}
          <button type="button" className="btn" onClick={d.reload} disabled={d.loading}>{d.loading ? t('common.loading') : t('pass.refresh')}</button>
        </>
      )}
    </section>
  );
}
