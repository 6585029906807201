import { Alert, Button, Table, type TableColumnsType } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import { can, type AuditEntry, type VerifyResult } from '../lib/types';
import { PageHead } from './bits';
import { useConsole } from './context';
import { useActorNames } from './names';

const PAGE = 100;

/** An entry as the server sends it, with the actor's name when it knows one. */
type Entry = AuditEntry & { actorName?: string | null };

/** 审计日志: the hash-chained trail, newest first, and a check of the whole chain. */
export default function Audit() {
  const { me, orgName } = useConsole();
  const { t } = useTranslation();
  const [rows, setRows] = useState<Entry[]>([]);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [verify, setVerify] = useState<VerifyResult | null>(null);
  const [verifying, setVerifying] = useState(false);
  // Names come with the entries; only entries without one are looked up (older servers).
  const names = useActorNames(rows.filter((r) => !r.actorName).map((r) => r.actorId), can(me, 'user.read'));

  useEffect(() => {
    let live = true;
    api.get<Entry[]>(`/api/audit${qs({ limit: PAGE })}`)
      .then((r) => {
        if (!live) return;
        setRows(r);
        setMore(r.length === PAGE);
      })
      .catch((e: unknown) => live && setError(errorText(e, t)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [t]);

  const loadMore = async () => {
    const last = rows[rows.length - 1];
    if (!last) return;
    setLoading(true);
    try {
      const r = await api.get<Entry[]>(`/api/audit${qs({ limit: PAGE, before: last.seq })}`);
      setRows((x) => [...x, ...r]);
      setMore(r.length === PAGE);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setLoading(false);
    }
  };

  const runVerify = async () => {
    setVerifying(true);
    setError(null);
    try {
      setVerify(await api.get<VerifyResult>('/api/audit/verify'));
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setVerifying(false);
    }
  };

  const columns: TableColumnsType<Entry> = [
    { key: 'seq', title: t('audit.seq'), dataIndex: 'seq', width: 70 },
    { key: 'at', title: t('audit.at'), render: (_: unknown, e) => formatTime(e.at) },
    { key: 'action', title: t('audit.action'), render: (_: unknown, e) => <span data-testid="audit-action" data-action={e.action}>{t(`events.${e.action}`, { defaultValue: e.action })}</span> },
    { key: 'target', title: t('audit.target'), render: (_: unknown, e) => <span className="cz-mono">{e.targetType}:{e.targetId}</span>, responsive: ['md'] },
    { key: 'org', title: t('audit.org'), render: (_: unknown, e) => orgName(e.orgCode), responsive: ['sm'] },
    {
      key: 'actor', title: t('audit.actor'), responsive: ['lg'],
      render: (_: unknown, e) => (e.actorId === 'system' ? t('seal.system')
        : <span data-testid="audit-actor" title={e.actorId}>{e.actorName ?? names.get(e.actorId) ?? <span className="cz-mono">{e.actorId}</span>}</span>),
    },
    { key: 'ip', title: t('audit.ip'), dataIndex: 'ip', responsive: ['xl'] },
    { key: 'hash', title: t('audit.hash'), render: (_: unknown, e) => <span className="cz-mono" title={e.hash}>{e.hash.slice(0, 12)}…</span>, responsive: ['xl'] },
  ];

  return (
    <>
      <PageHead title={t('audit.title')} subtitle={t('audit.subtitle')}
        extra={<Button type="primary" onClick={runVerify} loading={verifying} data-testid="verify-chain">{t('audit.verify')}</Button>} />
      {verify && (
        <Alert type={verify.ok ? 'success' : 'error'} showIcon role="status" data-testid="verify-result" data-ok={String(verify.ok)} style={{ marginBottom: 12 }}
          title={verify.ok
            ? t('audit.verifyOk', { checked: verify.checked })
            : t('audit.verifyBad', { seq: verify.firstBad?.seq, reason: verify.firstBad?.reason, checked: verify.checked })}
          description={<span className="cz-mono">{t('audit.head')}：{verify.headHash}</span>} />
      )}
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ marginBottom: 12 }} />}
      <Table<Entry> className="cz-table" rowKey="seq" columns={columns} dataSource={rows} loading={loading} pagination={false}
        size="small" aria-label={t('audit.list')} data-testid="audit-table" locale={{ emptyText: t('common.empty') }} />
      <div className="cz-more">
        <span role="status">{t('common.shown', { n: rows.length })}</span>
        {more && <Button onClick={loadMore} loading={loading}>{t('common.loadMore')}</Button>}
      </div>
    </>
  );
}
