import { Alert, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { useTotpSetup } from '../lib/totp';

/**
 * 启用二次验证 from the workbench: one new secret per opening, shown as a QR code (an
 * image, so the strict CSP holds) and as text, confirmed by a first code.
 */
export function TotpEnrol({ onClose, onEnabled }: { onClose: () => void; onEnabled: () => Promise<void> | void }) {
  const { t } = useTranslation();
  const { setup, error, setError } = useTotpSetup();
  const [busy, setBusy] = useState(false);
  const [form] = Form.useForm<{ code: string }>();

  const submit = async ({ code }: { code: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/auth/totp/enable', { code: code.trim() });
      await onEnabled();
    } catch (e) {
      setError(errorText(e, t));
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('home.totpEnableTitle')} onCancel={onClose} okText={t('home.totpConfirm')} cancelText={t('common.cancel')}
      onOk={() => form.submit()} confirmLoading={busy} okButtonProps={{ disabled: !setup, 'data-testid': 'totp-enable-submit' }} destroyOnHidden>
      <p>{t('home.totpEnableHint')}</p>
      {setup ? (
        <>
          <img src={setup.qr} alt={t('auth.qrAlt')} width={200} height={200} data-testid="totp-qr" style={{ display: 'block', margin: '0 auto 12px' }} />
          <p>
            <span>{t('auth.secret')}：</span>
            <code className="cz-mono" data-testid="totp-secret" style={{ wordBreak: 'break-all' }}>{setup.secret}</code>
          </p>
          <Form form={form} layout="vertical" onFinish={submit} requiredMark>
            <Form.Item name="code" label={t('auth.code')}
              rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t('auth.codeInvalid') }]}>
              <Input inputMode="numeric" autoComplete="one-time-code" maxLength={6} />
            </Form.Item>
          </Form>
        </>
      ) : !error && <p role="status">{t('common.loading')}</p>}
      {error && <Alert type="error" title={error} showIcon role="alert" data-testid="totp-error" />}
    </Modal>
  );
}
export default TotpEnrol;
