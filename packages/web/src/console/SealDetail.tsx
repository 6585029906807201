import { Alert, App, Button, Card, Col, Descriptions, Empty, Form, Grid, Input, Modal, Radio, Row, Space, Timeline } from 'antd';
import { useCallback, useEffect, useState, type ChangeEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { linkClick } from '../lib/router';
import { can, type AuditEntry, type Seal, type SealAction, type SealDetail } from '../lib/types';
import { PageHead, StatusTag } from './bits';
import { PersonField } from './PersonField';
import { useConsole } from './context';
import { useActorNames } from './names';

const CLOSED = ['void', 'retired'];
const ENDPOINT: Record<SealAction, string> = {
  file: 'file', activate: 'activate', hand_over: 'hand-over', suspend: 'suspend', declare_lost: 'declare-lost', retire: 'retire',
};

/** One seal: master record, impression, custody people, the steps it allows now, slips and history. */
export default function SealDetailPage({ id }: { id: string }) {
  const { me, orgName } = useConsole();
  const { t, i18n } = useTranslation();
  const [detail, setDetail] = useState<SealDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [action, setAction] = useState<SealAction | null>(null);
  // On a phone, labels above values read better than a squeezed two-column table.
  const narrow = !Grid.useBreakpoint().sm;
  // The server names most actors; look up only those it could not.
  const looked = useActorNames(detail?.history.filter((h) => !h.actorName).map((h) => h.actorId) ?? [], can(me, 'user.read'));

  const load = useCallback(async () => {
    try {
      setDetail(await api.get<SealDetail>(`/api/seals/${encodeURIComponent(id)}`));
      setError(null);
    } catch (e) {
      setError(errorText(e, t));
    }
  }, [id, t]);

  useEffect(() => {
    void load();
  }, [load]);

  const back = <a href="/seals" onClick={linkClick('/seals')} className="cz-back">← {t('seal.back')}</a>;
  if (error && !detail) return <>{back}<Alert type="error" title={error} showIcon role="alert" style={{ marginTop: 12 }} /></>;
  if (!detail) return <>{back}<p role="status">{t('common.loading')}</p></>;

  const { seal } = detail;
  const manage = can(me, 'seal.manage', seal.orgCode);
  const closed = CLOSED.includes(seal.status);
  const typeLabel = detail.type ? (i18n.language === 'en' ? detail.type.nameEn : detail.type.nameZh) : seal.typeCode;
  const names = new Map<string, string>([...looked, [me.user.id, me.user.name], ['system', t('seal.system')]]);
  if (seal.keeperUserId && detail.keeperName) names.set(seal.keeperUserId, detail.keeperName);
  seal.approverUserIds.forEach((a, i) => detail.approverNames[i] && names.set(a, detail.approverNames[i]!));
  for (const h of detail.handovers) {
    if (h.giverUserId) names.set(h.giverUserId, h.giverName);
    names.set(h.receiverUserId, h.receiverName);
  }

  return (
    <div data-testid="seal-detail" data-seal-id={seal.id}>
      {back}
      <PageHead title={<>{seal.name} <StatusTag status={seal.status} /></>} subtitle={`${detail.orgName} · ${typeLabel}`} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={16}>
          <Card title={<h2 className="cz-card-title">{t('seal.master')}</h2>} size="small">
            <Descriptions column={{ xs: 1, sm: 1, md: 2 }} size="small" bordered layout={narrow ? 'vertical' : 'horizontal'} items={[
              { key: 'status', label: t('seals.status'), children: <StatusTag status={seal.status} /> },
              { key: 'type', label: t('seals.type'), children: typeLabel },
              { key: 'org', label: t('seal.org'), children: `${detail.orgName}（${seal.orgCode}）` },
              { key: 'custody', label: t('seal.custodyOrg'), children: `${orgName(seal.custodyOrgCode)} · ${seal.custodyOrgCode === seal.orgCode ? t('seals.custodyVillage') : t('seals.custodyStation')}` },
              { key: 'auth', label: t('seals.issuingAuthority'), children: seal.issuingAuthority },
              { key: 'filing', label: t('seals.filingNumber'), children: <span data-testid="filing-number">{seal.filingNumber ?? t('common.none')}</span> },
              { key: 'activated', label: t('seal.activatedAt'), children: formatTime(seal.activatedAt, false) },
              { key: 'keeper', label: t('seal.keeper'), children: <span data-testid="keeper-name">{detail.keeperName ?? t('common.none')}</span> },
              { key: 'approvers', label: t('seal.approvers'), children: detail.approverNames.join('、') || t('common.none') },
              { key: 'device', label: t('seal.device'), children: seal.deviceId ?? t('common.none') },
              { key: 'created', label: t('seal.createdAt'), children: formatTime(seal.createdAt) },
              { key: 'updated', label: t('seals.updatedAt'), children: formatTime(seal.updatedAt) },
              { key: 'id', label: t('seal.id'), children: <span className="cz-mono">{seal.id}</span> },
            ]} />
          </Card>

          <Card title={<h2 className="cz-card-title">{t('seal.actionsTitle')}</h2>} size="small" className="cz-gap">
            {!manage ? <p>{t('seal.readOnly')}</p> : detail.actions.length === 0 ? <p>{t('seal.noActions')}</p> : (
              <Space wrap>
                {detail.actions.map((a) => (
                  <Button key={a} onClick={() => setAction(a)} danger={a === 'declare_lost' || a === 'retire'}
                    type={a === 'file' || a === 'activate' ? 'primary' : 'default'} data-testid={`action-${a}`}>
                    {t(`actions.${a}`)}
                  </Button>
                ))}
              </Space>
            )}
          </Card>

          {manage && !closed && <CustodyCard seal={seal} onSaved={load} />}

          <Card title={<h2 className="cz-card-title">{t('seal.handovers')}</h2>} size="small" className="cz-gap">
            {detail.handovers.length === 0 ? <p className="cz-hint">{t('seal.noHandovers')}</p> : (
              <ul className="cz-list">
                {detail.handovers.map((h) => (
                  <li key={h.id} data-testid="handover-slip" className="cz-list-row">
                    <Descriptions column={{ xs: 1, sm: 2 }} size="small" items={[
                      { key: 'at', label: t('seal.handedAt'), children: formatTime(h.handedAt) },
                      { key: 'giver', label: t('seal.giver'), children: h.giverName },
                      { key: 'receiver', label: t('seal.receiver'), children: h.receiverName },
                      { key: 'witness', label: t('seal.witness'), children: h.witnessName },
                      ...(h.note ? [{ key: 'note', label: t('seal.note'), children: h.note }] : []),
                    ]} />
                  </li>
                ))}
              </ul>
            )}
          </Card>

          <Card title={<h2 className="cz-card-title">{t('seal.history')}</h2>} size="small" className="cz-gap">
            <Timeline data-testid="history" items={[...detail.history].sort((a, b) => b.seq - a.seq).map((h) => ({
              key: h.seq,
              content: (
                <div data-testid="history-item" data-action={h.action}>
                  <strong>{t(`events.${h.action}`, { defaultValue: h.action })}</strong>
                  <span className="cz-sub">{formatTime(h.at)}</span>
                  <div className="cz-sub-block">{t('seal.actor')}：{h.actorName ?? names.get(h.actorId) ?? <span className="cz-mono">{h.actorId}</span>}</div>
                  {summarise(h, t).map((line) => <div key={line} className="cz-sub-block">{line}</div>)}
                </div>
              ),
            }))} />
          </Card>
        </Col>
        <Col xs={24} lg={8}>
          <ImpressionCard seal={seal} canUpload={manage && !closed} onUploaded={load} />
        </Col>
      </Row>
      {action && <ActionModal seal={seal} action={action} onClose={() => setAction(null)} onDone={load} />}
    </div>
  );
}

type T = (key: string, opts?: Record<string, unknown>) => string;

/** A line or two saying what an entry changed. */
function summarise(h: AuditEntry, t: T): string[] {
  const before = (h.before ?? {}) as Record<string, unknown>;
  const after = (h.after ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  if (typeof before.status === 'string' && typeof after.status === 'string') out.push(`${t(`status.${before.status}`)} → ${t(`status.${after.status}`)}`);
  if (typeof after.filingNumber === 'string' && h.action !== 'SEAL_ISSUED') out.push(`${t('seals.filingNumber')}：${after.filingNumber}`);
  if (typeof after.reason === 'string') out.push(`${t('seal.reason')}：${after.reason}`);
  if (typeof after.noticeRef === 'string') out.push(`${t('seal.noticeRefShort')}：${after.noticeRef}`);
  if (after.method === 'sealed' || after.method === 'destroyed') out.push(`${t('seal.method')}：${t(`seal.${after.method}`)}`);
  if (Array.isArray(after.witnesses)) out.push(`${t('seal.witnessesShort')}：${after.witnesses.join('、')}`);
  const slip = after.slip as Record<string, unknown> | undefined;
  if (slip) out.push(`${t('seal.giver')}：${String(slip.giverName)} → ${t('seal.receiver')}：${String(slip.receiverName)}（${t('seal.witness')}：${String(slip.witnessName)}）`);
  if (h.action === 'SEAL_UPDATED') {
    const keys = Object.keys(after).map((k) => ({ keeperUserId: t('seal.keeper'), approverUserIds: t('seal.approvers'), impressionBlob: t('seal.impression'), name: t('seals.name'), issuingAuthority: t('seals.issuingAuthority') } as Record<string, string>)[k] ?? k);
    if (keys.length) out.push(keys.join('、'));
  }
  return out;
}

function ImpressionCard({ seal, canUpload, onUploaded }: { seal: Seal; canUpload: boolean; onUploaded: () => Promise<void> }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      await api.upload<Seal>(`/api/seals/${seal.id}/impression`, file, file.name);
      void message.success(t('seal.uploaded'));
      await onUploaded();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
      input.value = '';
    }
  };
  return (
    <Card title={<h2 className="cz-card-title">{t('seal.impression')}</h2>} size="small">
      {seal.impressionBlob
        ? <img className="cz-impression" src={`/api/blobs/${seal.impressionBlob}`} alt={t('seal.impressionAlt', { name: seal.name })} data-testid="impression" />
        : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('seal.noImpression')} />}
      {canUpload && (
        <div className="cz-upload">
          {/* The native picker speaks the browser's language; a labelled button speaks ours. */}
          <input id="impression-file" type="file" accept="image/png,image/jpeg,image/webp" className="sr-only"
            onChange={upload} disabled={busy} aria-describedby="impression-hint" />
          <label htmlFor="impression-file" className="cz-upload-btn" aria-disabled={busy}>{busy ? t('common.loading') : t('seal.upload')}</label>
          <div id="impression-hint" className="cz-hint">{t('seal.uploadHint')}</div>
          {error && <Alert type="error" title={error} showIcon role="alert" />}
        </div>
      )}
    </Card>
  );
}

interface CustodyValues { name?: string; issuingAuthority?: string; keeperUserId?: string; approverUserIds?: string[] }

/** Name, issuing authority, keeper (before activation only) and approvers, by PATCH. */
function CustodyCard({ seal, onSaved }: { seal: Seal; onSaved: () => Promise<void> }) {
  const { me } = useConsole();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<CustodyValues>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const keeperEditable = seal.status === 'issued' || seal.status === 'filed';

  const save = async (v: CustodyValues) => {
    const body: Record<string, unknown> = {};
    if (v.name?.trim() && v.name.trim() !== seal.name) body.name = v.name.trim();
    if (v.issuingAuthority?.trim() && v.issuingAuthority.trim() !== seal.issuingAuthority) body.issuingAuthority = v.issuingAuthority.trim();
    if (keeperEditable && v.keeperUserId && v.keeperUserId !== seal.keeperUserId) body.keeperUserId = v.keeperUserId;
    const approvers = v.approverUserIds ?? [];
    if (approvers.join(',') !== seal.approverUserIds.join(',')) body.approverUserIds = approvers;
    if (Object.keys(body).length === 0) return;
    setBusy(true);
    setError(null);
    try {
      await api.patch<Seal>(`/api/seals/${seal.id}`, body);
      void message.success(t('seal.saved'));
      await onSaved();
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={<h2 className="cz-card-title">{t('seal.edit')}</h2>} size="small" className="cz-gap">
      {!can(me, 'user.read') && !can(me, 'seal.manage', seal.orgCode) && <p className="cz-hint">{t('seal.idHint')}</p>}
      <Form form={form} name="custody" layout="vertical" onFinish={save} key={seal.version}
        initialValues={{ name: seal.name, issuingAuthority: seal.issuingAuthority, keeperUserId: seal.keeperUserId ?? undefined, approverUserIds: seal.approverUserIds }}>
        <Row gutter={12}>
          <Col xs={24} md={12}>
            <Form.Item name="name" label={t('seals.name')}><Input maxLength={100} /></Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="issuingAuthority" label={t('seals.issuingAuthority')}><Input maxLength={100} /></Form.Item>
          </Col>
        </Row>
        {keeperEditable ? (
          <Form.Item name="keeperUserId" label={t('seal.keeperId')}>
            <PersonField label={t('seal.keeperId')} pick={{ orgCode: seal.orgCode, typeCode: seal.typeCode, purpose: 'keeper' }} />
          </Form.Item>
        ) : <p className="cz-hint">{t('seal.keeperLocked')}</p>}
        <Form.Item name="approverUserIds" label={t('seal.approverIds')}>
          <PersonField label={t('seal.approverIds')} multiple pick={{ orgCode: seal.orgCode, typeCode: seal.typeCode, purpose: 'approver' }} />
        </Form.Item>
        {error && <Alert type="error" title={error} showIcon role="alert" data-testid="custody-error" style={{ marginBottom: 12 }} />}
        <Button htmlType="submit" loading={busy} data-testid="custody-save">{t('common.save')}</Button>
      </Form>
    </Card>
  );
}

interface ActionValues {
  filingNumber?: string;
  reason?: string;
  noticeRef?: string;
  method?: 'sealed' | 'destroyed';
  witnesses?: string;
  receiverUserId?: string;
  witnessName?: string;
  handedAt?: string;
  note?: string;
}

function ActionModal({ seal, action, onClose, onDone }: { seal: Seal; action: SealAction; onClose: () => void; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<ActionValues>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const req = (field: string) => [{ required: true, whitespace: true, message: t('auth.required', { field }) }];

  const submit = async (v: ActionValues) => {
    let body: Record<string, unknown> = {};
    switch (action) {
      case 'file': body = { filingNumber: v.filingNumber?.trim() }; break;
      case 'activate': body = {}; break;
      case 'suspend': body = { reason: v.reason?.trim() }; break;
      case 'declare_lost': body = { reason: v.reason?.trim(), ...(v.noticeRef?.trim() ? { noticeRef: v.noticeRef.trim() } : {}) }; break;
      case 'retire': {
        const witnesses = (v.witnesses ?? '').split(/[,，、;；\n]+/).map((w) => w.trim()).filter(Boolean);
        if (witnesses.length < 2 || new Set(witnesses).size !== witnesses.length) {
          setError(t('seal.witnessesInvalid'));
          return;
        }
        body = { method: v.method, witnesses, reason: v.reason?.trim() };
        break;
      }
      case 'hand_over':
        body = {
          receiverUserId: v.receiverUserId, witnessName: v.witnessName?.trim(),
          ...(v.handedAt ? { handedAt: new Date(v.handedAt).toISOString() } : {}),
          ...(v.note?.trim() ? { note: v.note.trim() } : {}),
        };
        break;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/seals/${seal.id}/${ENDPOINT[action]}`, body);
      void message.success(t('seal.done', { action: t(`actions.${action}`) }));
      onClose();
      await onDone();
    } catch (e) {
      setError(errorText(e, t));
      setBusy(false);
    }
  };

  return (
    <Modal open title={`${t(`actions.${action}`)} · ${seal.name}`} onCancel={onClose} onOk={() => form.submit()} confirmLoading={busy}
      okText={t('common.confirm')} cancelText={t('common.cancel')} destroyOnHidden
      okButtonProps={{ danger: action === 'declare_lost' || action === 'retire', 'data-testid': 'action-submit' }}>
      <Form form={form} name={`act_${action}`} layout="vertical" onFinish={submit} initialValues={{ method: 'sealed' }}>
        {action === 'file' && (
          <Form.Item name="filingNumber" label={t('seals.filingNumber')} rules={req(t('seals.filingNumber'))}><Input maxLength={60} /></Form.Item>
        )}
        {action === 'hand_over' && (
          <>
            <Form.Item name="receiverUserId" label={t('seal.receiverId')} rules={[{ required: true, message: t('auth.required', { field: t('seal.receiverId') }) }]}>
              <PersonField label={t('seal.receiverId')} pick={{ orgCode: seal.orgCode, typeCode: seal.typeCode, purpose: 'keeper' }} />
            </Form.Item>
            <Form.Item name="witnessName" label={t('seal.witness')} rules={req(t('seal.witness'))}><Input maxLength={50} /></Form.Item>
            <Form.Item name="handedAt" label={t('seal.handedAtOptional')}><Input type="datetime-local" /></Form.Item>
            <Form.Item name="note" label={t('seal.note')}><Input.TextArea maxLength={500} rows={2} /></Form.Item>
          </>
        )}
        {(action === 'suspend' || action === 'declare_lost' || action === 'retire') && (
          <Form.Item name="reason" label={t('seal.reason')} rules={[...req(t('seal.reason')), { min: 2, message: t('auth.required', { field: t('seal.reason') }) }]}>
            <Input.TextArea maxLength={500} rows={2} />
          </Form.Item>
        )}
        {action === 'declare_lost' && (
          <Form.Item name="noticeRef" label={t('seal.noticeRef')}><Input maxLength={200} /></Form.Item>
        )}
        {action === 'retire' && (
          <>
            <Form.Item name="method" label={t('seal.method')}>
              <Radio.Group options={[{ value: 'sealed', label: t('seal.sealed') }, { value: 'destroyed', label: t('seal.destroyed') }]} />
            </Form.Item>
            <Form.Item name="witnesses" label={t('seal.witnesses')} rules={req(t('seal.witnesses'))}><Input maxLength={260} /></Form.Item>
          </>
        )}
        {action === 'activate' && <p>{t('seal.confirmActivate')}</p>}
        {error && <Alert type="error" title={error} showIcon role="alert" data-testid="action-error" />}
      </Form>
    </Modal>
  );
}
