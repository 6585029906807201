import { Alert, App, Button, Checkbox, Col, Form, Input, InputNumber, Modal, Radio, Row, Select } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../lib/api';
import { MAINTENANCE_KINDS, type DeviceView, type Geofence, type MaintenanceKind, type Page, type Provisioned, type Seal } from '../lib/types';
import { useConsole } from '../console/context';
import { FormModal } from '../console/parts';
import { degToE6, e6ToDeg, isHhmm } from './format';

/** The seals of one unit, for binding a device. */
function useSealsOf(orgCode: string | undefined): Seal[] {
  const [seals, setSeals] = useState<Seal[]>([]);
  useEffect(() => {
    if (!orgCode) return;
    let live = true;
    api.get<Page<Seal>>(`/api/seals?orgCode=${orgCode}&limit=200`).then((p) => live && setSeals(p.items.filter((s) => s.status !== 'retired' && s.status !== 'void'))).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [orgCode]);
  return orgCode ? seals : [];
}

interface PlaceValues { fenceOn?: boolean; lat?: string; lng?: string; radiusM?: number | null; hoursOn?: boolean; from?: string; to?: string }

/** Fence (degrees as typed, sent as micro-degrees) and allowed hours, shared by provisioning and editing. */
function PlaceFields() {
  const { t } = useTranslation();
  const form = Form.useFormInstance<PlaceValues>();
  const fenceOn = Form.useWatch('fenceOn', form);
  const hoursOn = Form.useWatch('hoursOn', form);
  const deg = (limit: 90 | 180, label: string) => ({
    validator: (_: unknown, v?: string) => (v && degToE6(v, limit) !== null ? Promise.resolve() : Promise.reject(new Error(t('dev.degInvalid', { field: label, limit })))),
  });
  const hhmm = { validator: (_: unknown, v?: string) => (v && isHhmm(v) ? Promise.resolve() : Promise.reject(new Error(t('dev.hhmmInvalid')))) };
  return (
    <>
      <Form.Item name="fenceOn" valuePropName="checked" style={{ marginBottom: 8 }}><Checkbox>{t('dev.fenceOn')}</Checkbox></Form.Item>
      {fenceOn && (
        <Row gutter={8}>
          <Col xs={24} sm={9}><Form.Item name="lat" label={t('dev.lat')} rules={[deg(90, t('dev.lat'))]}><Input inputMode="decimal" placeholder="35.794100" /></Form.Item></Col>
          <Col xs={24} sm={9}><Form.Item name="lng" label={t('dev.lng')} rules={[deg(180, t('dev.lng'))]}><Input inputMode="decimal" placeholder="116.553200" /></Form.Item></Col>
          <Col xs={24} sm={6}>
            <Form.Item name="radiusM" label={t('dev.radius')} rules={[{ required: true, type: 'integer', min: 10, max: 100_000, message: t('dev.radiusInvalid') }]}>
              <InputNumber min={10} max={100_000} className="cz-full" />
            </Form.Item>
          </Col>
        </Row>
      )}
      <Form.Item name="hoursOn" valuePropName="checked" style={{ marginBottom: 8 }}><Checkbox>{t('dev.hoursOn')}</Checkbox></Form.Item>
      {hoursOn && (
        <Row gutter={8}>
          <Col span={12}><Form.Item name="from" label={t('dev.hoursFrom')} rules={[hhmm]}><Input type="time" /></Form.Item></Col>
          <Col span={12}><Form.Item name="to" label={t('dev.hoursTo')} rules={[hhmm]}><Input type="time" /></Form.Item></Col>
        </Row>
      )}
      {hoursOn && <p className="cz-hint">{t('dev.hoursHint')}</p>}
    </>
  );
}

const placeOf = (v: PlaceValues): { geofence: Geofence | null; hours: { from: string; to: string } | null } => ({
  geofence: v.fenceOn ? { latE6: degToE6(v.lat ?? '', 90)!, lngE6: degToE6(v.lng ?? '', 180)!, radiusM: Number(v.radiusM) } : null,
  hours: v.hoursOn && v.from && v.to ? { from: v.from, to: v.to } : null,
});

const placeValues = (d: DeviceView | null): PlaceValues => ({
  fenceOn: !!d?.geofence, lat: d?.geofence ? e6ToDeg(d.geofence.latE6) : '', lng: d?.geofence ? e6ToDeg(d.geofence.lngE6) : '', radiusM: d?.geofence?.radiusM ?? 200,
  hoursOn: !!d?.hours, from: d?.hours?.from ?? '08:00', to: d?.hours?.to ?? '18:00',
});

interface ProvisionValues extends PlaceValues { orgCode: string; label: string; sealId?: string; publicKey?: string }

/** 登记设备: a new device in the registry; the answer carries its bundle (shown once). */
export function ProvisionModal({ onClose, onDone }: { onClose: () => void; onDone: (p: Provisioned) => void }) {
  const { t } = useTranslation();
  const { villages, towns } = useConsole();
  const [orgCode, setOrgCode] = useState<string | undefined>();
  const seals = useSealsOf(orgCode);
  const submit = async (v: ProvisionValues) => {
    const place = placeOf(v);
    const body = {
      orgCode: v.orgCode, label: v.label.trim(), ...(v.sealId ? { sealId: v.sealId } : {}), ...(v.publicKey?.trim() ? { publicKey: v.publicKey.trim() } : {}),
      ...(place.geofence ? { geofence: place.geofence } : {}), ...(place.hours ? { hours: place.hours } : {}),
    };
    onDone(await api.post<Provisioned>('/api/devices', body));
  };
  return (
    <FormModal<ProvisionValues> title={t('dev.provisionTitle')} onClose={onClose} submit={submit} initial={placeValues(null)} testid="provision">
      <Form.Item name="orgCode" label={t('dev.unit')} rules={[{ required: true, message: t('auth.required', { field: t('dev.unit') }) }]} extra={t('dev.unitHint')}>
        <Select showSearch={{ optionFilterProp: 'label' }} onChange={(v: string) => setOrgCode(v)}
          options={[...towns, ...villages].map((o) => ({ value: o.code, label: `${o.name}（${o.code}）` }))} />
      </Form.Item>
      <Form.Item name="label" label={t('dev.label')} rules={[{ required: true, whitespace: true, message: t('auth.required', { field: t('dev.label') }) }]}>
        <Input maxLength={60} placeholder={t('dev.labelPlaceholder')} />
      </Form.Item>
      <Form.Item name="sealId" label={t('dev.sealOptional')}>
        <Select allowClear disabled={!orgCode} options={seals.map((s) => ({ value: s.id, label: s.name }))} />
      </Form.Item>
      <Form.Item name="publicKey" label={t('dev.publicKey')} extra={t('dev.publicKeyHint')}>
        <Input.TextArea rows={2} maxLength={130} className="cz-mono" />
      </Form.Item>
      <PlaceFields />
    </FormModal>
  );
}

/** The bundle for the installer: QR code to scan, and the warning that the private key is shown once. */
export function BundleModal({ result, onClose }: { result: Provisioned; onClose: () => void }) {
  const { t } = useTranslation();
  const qr = result.qrDataUrl ?? result.qr;
  const text = JSON.stringify(result.bundle, null, 2);
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `${result.bundle.dev}.json`;
    a.click();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <Modal open title={t('dev.bundleTitle', { id: result.device.id })} onCancel={onClose} data-testid="bundle"
      footer={[<Button key="dl" onClick={download}>{t('dev.bundleDownload')}</Button>, <Button key="ok" type="primary" onClick={onClose} data-testid="bundle-close">{t('dev.bundleDone')}</Button>]}>
      <Alert type="warning" showIcon role="alert" title={result.bundle.private_key ? t('dev.bundleOnce') : t('dev.bundleNoKey')} style={{ marginBottom: 12 }} />
      {/* A data URL, or SVG text made into one (never inserted as markup). */}
      {qr && <img src={qr.startsWith('data:') ? qr : `data:image/svg+xml;charset=utf-8,${encodeURIComponent(qr)}`} alt={t('dev.bundleQrAlt')} className="cz-qr" data-testid="bundle-qr" />}
      <p className="cz-hint">{t('dev.bundleHint')}</p>
      <details><summary>{t('dev.bundleShow')}</summary><pre className="cz-mono cz-pre">{text}</pre></details>
    </Modal>
  );
}

type EditValues = PlaceValues & { label: string };

/** Label, fence and hours (a new fence or hours also go to the device as a signed config command). */
export function EditDeviceModal({ device, onClose, onSaved }: { device: DeviceView; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const submit = async (v: EditValues) => {
    const place = placeOf(v);
    const body: Record<string, unknown> = {};
    if (v.label.trim() !== device.label) body.label = v.label.trim();
    if (JSON.stringify(place.geofence) !== JSON.stringify(device.geofence)) body.geofence = place.geofence;
    if (JSON.stringify(place.hours) !== JSON.stringify(device.hours)) body.hours = place.hours;
    if (Object.keys(body).length) {
      await api.patch(`/api/devices/${device.id}`, body);
      void message.success(t('dev.saved'));
    }
    onSaved();
  };
  return (
    <FormModal<EditValues> title={t('dev.editTitle')} onClose={onClose} submit={submit} initial={{ ...placeValues(device), label: device.label }} testid="edit-device">
      <Form.Item name="label" label={t('dev.label')} rules={[{ required: true, whitespace: true, message: t('auth.required', { field: t('dev.label') }) }]}>
        <Input maxLength={60} />
      </Form.Item>
      <PlaceFields />
    </FormModal>
  );
}

/** Bind to a seal kept where the device is installed. */
export function BindModal({ device, onClose, onSaved }: { device: DeviceView; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const seals = useSealsOf(device.orgCode);
  return (
    <FormModal<{ sealId: string }> title={t('dev.bindTitle')} onClose={onClose} testid="bind-device"
      submit={async (v) => { await api.post(`/api/devices/${device.id}/bind`, { sealId: v.sealId }); onSaved(); }}>
      <Form.Item name="sealId" label={t('dev.seal')} rules={[{ required: true, message: t('auth.required', { field: t('dev.seal') }) }]}>
        <Select options={seals.map((s) => ({ value: s.id, label: s.name }))} />
      </Form.Item>
    </FormModal>
  );
}

export type ReasonKind = 'retire' | 'replace' | 'unlock' | 'maintenance';
interface ReasonValues { reason: string; label?: string; kind?: MaintenanceKind }

/** A step that needs a reason: retire, replace (new bundle), ask for an unlock or a maintenance opening. */
export function ReasonModal({ device, kind, onClose, onDone }: {
  device: DeviceView; kind: ReasonKind; onClose: () => void; onDone: (replaced?: Provisioned) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const submit = async (v: ReasonValues) => {
    const reason = v.reason.trim();
    if (kind === 'replace') {
      onDone(await api.post<Provisioned>(`/api/devices/${device.id}/replace`, { reason, ...(v.label?.trim() ? { label: v.label.trim() } : {}) }));
      return;
    }
    if (kind === 'retire') await api.post(`/api/devices/${device.id}/retire`, { reason });
    if (kind === 'unlock') await api.post(`/api/devices/${device.id}/unlock-requests`, { reason });
    if (kind === 'maintenance') await api.post(`/api/devices/${device.id}/maintenance-requests`, { kind: v.kind, reason });
    void message.success(t(`dev.done_${kind}`));
    onDone();
  };
  return (
    <FormModal<ReasonValues> title={t(`dev.title_${kind}`, { label: device.label })} okText={t(`dev.ok_${kind}`)} danger={kind === 'retire'}
      onClose={onClose} submit={submit} initial={{ kind: 'ink' }} testid={`reason-${kind}`}>
      <p>{t(`dev.body_${kind}`)}</p>
      {kind === 'maintenance' && (
        <Form.Item name="kind" label={t('dev.maintenanceKind')} rules={[{ required: true }]}>
          <Radio.Group options={MAINTENANCE_KINDS.map((k) => ({ value: k, label: t(`maint.${k}`) }))} />
        </Form.Item>
      )}
      {kind === 'replace' && <Form.Item name="label" label={t('dev.newLabel')}><Input maxLength={60} placeholder={device.label} /></Form.Item>}
      <Form.Item name="reason" label={t('dev.reason')} rules={[{ required: true, whitespace: true, min: 2, message: t('dev.reasonRequired') }]}>
        <Input.TextArea rows={3} maxLength={200} />
      </Form.Item>
    </FormModal>
  );
}
