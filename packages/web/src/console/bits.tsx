import { Tag } from 'antd';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { STATUS_COLOR } from './theme';

export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Tag variant="solid" color={STATUS_COLOR[status] ?? '#434343'} data-testid="seal-status" data-status={status}>{t(`status.${status}`)}</Tag>;
}

export const APP_STATUS_COLOR: Record<string, string> = {
  pending: '#0b57d0', approved: '#237804', stamped: '#434343', rejected: '#a8071a', withdrawn: '#595959', expired: '#ad4e00', revoked: '#8c1d18',
};

/** An application's status (the ledger's rows and its drawer). */
export function AppStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Tag variant="solid" color={APP_STATUS_COLOR[status] ?? '#434343'} data-testid="app-status" data-status={status}>{t(`appStatus.${status}`)}</Tag>;
}

export function PageHead({ title, subtitle, extra }: { title: ReactNode; subtitle?: ReactNode; extra?: ReactNode }) {
  return (
    <div className="cz-page-head">
      <div>
        <h1>{title}</h1>
        {subtitle && <p>{subtitle}</p>}
      </div>
      {extra && <div>{extra}</div>}
    </div>
  );
}
