import { Tag } from 'antd';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { STATUS_COLOR } from './theme';

export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Tag variant="solid" color={STATUS_COLOR[status] ?? '#434343'} data-testid="seal-status" data-status={status}>{t(`status.${status}`)}</Tag>;
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
