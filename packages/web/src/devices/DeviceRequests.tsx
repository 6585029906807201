import { Alert, App, Button, Form, Input, Space, Table, type TableColumnsType } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { linkClick } from '../lib/router';
import type { DeviceRequestView } from '../lib/types';
import { PageHead } from '../console/bits';
import { useConsole } from '../console/context';
import { FormModal } from '../console/parts';
import { useDeviceLive } from '../shell/live';
import { RequestStatusTag } from './tags';
import './devices.css';

/**
 * 解锁与维护审批: unlocks (解锁需第二人) and maintenance openings (维护需两人) waiting for a
 * second person, and the reader's own. Whoever asked never decides: the server refuses it, and
 * the screen says so before anyone tries.
 */
export default function DeviceRequests() {
  const { me, orgName } = useConsole();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [rows, setRows] = useState<DeviceRequestView[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [deciding, setDeciding] = useState<{ r: DeviceRequestView; approve: boolean } | null>(null);

  const load = useCallback(async () => {
    try {
      setRows(await api.get<DeviceRequestView[]>('/api/device-requests'));
      setError(null);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setLoading(false);
    }
  }, [t]);
  useEffect(() => {
    void load();
  }, [load]);
  useDeviceLive((e) => e.kind === 'device' && void load(), () => void load());

  const kind = (r: DeviceRequestView) => (r.kind === 'unlock' ? t('req.unlock') : `${t('req.maintenance')} · ${t(`maint.${r.maintenanceKind ?? 'repair'}`)}`);
  const columns: TableColumnsType<DeviceRequestView> = [
    { key: 'at', title: t('req.requestedAt'), render: (_: unknown, r) => formatTime(r.requestedAt), width: 150, responsive: ['md'] },
    { key: 'kind', title: t('req.kind'), render: (_: unknown, r) => kind(r) },
    {
      key: 'device', title: t('alarm.device'),
      render: (_: unknown, r) => <><a href={`/devices?open=${r.deviceId}`} onClick={linkClick(`/devices?open=${r.deviceId}`)}>{r.deviceLabel ?? r.deviceId}</a><div className="cz-sub-block">{orgName(r.orgCode)}</div></>,
    },
    { key: 'reason', title: t('dev.reason'), dataIndex: 'reason', responsive: ['sm'] },
    { key: 'by', title: t('req.requestedBy'), render: (_: unknown, r) => r.requestedByName ?? r.requestedBy, responsive: ['lg'] },
    {
      key: 'status', title: t('req.status'),
      render: (_: unknown, r) => (
        <>
          <RequestStatusTag status={r.status} />
          {r.decidedAt && <div className="cz-sub-block">{t('req.decidedBy', { name: r.decidedByName ?? r.decidedBy ?? '', at: formatTime(r.decidedAt) })}</div>}
          {r.opinion && <div className="cz-sub-block">{t('req.opinion')}{t('errors.sep')}{r.opinion}</div>}
        </>
      ),
    },
    {
      key: 'act', title: t('req.decide'),
      render: (_: unknown, r) => {
        if (r.status !== 'pending') return null;
        if (r.requestedBy === me.user.id) return <span className="cz-hint" data-testid="own-request">{t('req.own')}</span>;
        if (r.mayDecide === false) return <span className="cz-hint">{t('req.notYours')}</span>;
        return (
          <Space wrap>
            <Button type="primary" size="small" onClick={() => setDeciding({ r, approve: true })} data-testid="req-approve">{t('req.approve')}</Button>
            <Button danger size="small" onClick={() => setDeciding({ r, approve: false })} data-testid="req-reject">{t('req.reject')}</Button>
          </Space>
        );
      },
    },
  ];

  return (
    <>
      <PageHead title={t('nav.deviceRequests')} subtitle={t('req.subtitle')} />
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ margin: '12px 0' }} />}
      <Table<DeviceRequestView> className="cz-table" rowKey="id" columns={columns} dataSource={rows} loading={loading} pagination={false}
        size="middle" aria-label={t('nav.deviceRequests')} data-testid="request-table" locale={{ emptyText: t('req.empty') }} />
      {deciding && (
        <DecideModal request={deciding.r} approve={deciding.approve} onClose={() => setDeciding(null)}
          onDone={() => { void message.success(t(deciding.approve ? 'req.approved' : 'req.rejected')); setDeciding(null); void load(); }} />
      )}
    </>
  );
}

function DecideModal({ request, approve, onClose, onDone }: { request: DeviceRequestView; approve: boolean; onClose: () => void; onDone: () => void }) {
  const { t } = useTranslation();
  // A refusal in the server's own words (e.g. 解锁需第二人: the requester cannot decide) stays visible.
  const submit = async ({ opinion }: { opinion: string }) => {
    await api.post(`/api/device-requests/${request.id}/decision`, { approve, opinion: opinion.trim() });
    onDone();
  };
  return (
    <FormModal<{ opinion: string }> title={approve ? t('req.approveTitle', { device: request.deviceLabel }) : t('req.rejectTitle', { device: request.deviceLabel })}
      okText={approve ? t('req.approve') : t('req.reject')} danger={!approve} onClose={onClose} submit={submit} testid="decide" errorTestid="decide-error">
      <p>{request.kind === 'unlock' ? t('req.unlockBody') : t('req.maintenanceBody')}</p>
      <p><strong>{t('dev.reason')}{t('errors.sep')}</strong>{request.reason}</p>
      <Form.Item name="opinion" label={t('req.opinion')} rules={[{ required: true, whitespace: true, message: t('req.opinionRequired') }]}>
        <Input.TextArea rows={3} maxLength={500} />
      </Form.Item>
    </FormModal>
  );
}
