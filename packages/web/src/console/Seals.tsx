import { Alert, App, Button, Card, Col, Form, Input, Modal, Row, Select, type TableColumnsType } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import { errorText } from '../lib/errors';
import { linkClick, navigate } from '../lib/router';
import { can, SEAL_STATUSES, type Seal, type SealType } from '../lib/types';
import { useKeysetList, useUrlFilters } from '../lib/useKeysetList';
import { PageHead, StatusTag } from './bits';
import { PersonField } from './PersonField';
import { FilterSelect, KeysetTable } from './parts';
import { useConsole } from './context';

export function useSealTypes(): SealType[] {
  const [types, setTypes] = useState<SealType[]>([]);
  useEffect(() => {
    let live = true;
    api.get<SealType[]>('/api/seal-types').then((x) => live && setTypes(x)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return types;
}

export function typeName(types: SealType[], code: string, lang: string): string {
  const ty = types.find((x) => x.code === code);
  return ty ? (lang === 'en' ? ty.nameEn : ty.nameZh) : code;
}

const KEYS = ['orgCode', 'status', 'typeCode', 'q'] as const;

/** 印章台账: the registry, filtered through the address bar so Back keeps the filters. */
export default function Seals() {
  const { me, orgName, villages } = useConsole();
  const { t, i18n } = useTranslation();
  const { filters, setFilter, field } = useUrlFilters('/seals', KEYS);
  const types = useSealTypes();
  const list = useKeysetList<Seal>('/api/seals', filters);
  const [creating, setCreating] = useState(false);
  const [qText, setQText] = useState(filters.q ?? '');

  const columns: TableColumnsType<Seal> = [
    {
      key: 'name', title: t('seals.name'), dataIndex: 'name',
      render: (_: unknown, s) => <a href={`/seals/${s.id}`} onClick={linkClick(`/seals/${s.id}`)} data-testid="seal-link">{s.name}</a>,
    },
    { key: 'org', title: t('seals.village'), render: (_: unknown, s) => orgName(s.orgCode), responsive: ['md'] },
    { key: 'type', title: t('seals.type'), render: (_: unknown, s) => typeName(types, s.typeCode, i18n.language), responsive: ['lg'] },
    { key: 'status', title: t('seals.status'), render: (_: unknown, s) => <StatusTag status={s.status} />, width: 110 },
    { key: 'filing', title: t('seals.filingNumber'), render: (_: unknown, s) => s.filingNumber ?? t('common.none'), responsive: ['sm'] },
    {
      key: 'custody', title: t('seals.custody'), responsive: ['xl'],
      render: (_: unknown, s) => (s.custodyOrgCode === s.orgCode ? t('seals.custodyVillage') : t('seals.custodyStation')),
    },
    { key: 'updated', title: t('seals.updatedAt'), render: (_: unknown, s) => formatTime(s.updatedAt), responsive: ['xl'] },
  ];

  const manage = can(me, 'seal.manage');
  return (
    <>
      <PageHead title={t('seals.title')} subtitle={t('seals.subtitle')}
        extra={manage && <Button type="primary" onClick={() => setCreating(true)} data-testid="create-seal">{t('seals.create')}</Button>} />
      <Card size="small" className="cz-filters">
        <form role="search" aria-label={t('seals.filters')} onSubmit={(e) => { e.preventDefault(); setFilter({ q: qText.trim() || undefined }); }}>
          <Row gutter={[12, 8]} align="bottom">
            <Col xs={24} sm={12} lg={6}>
              <FilterSelect id="f-org" label={t('seals.village')} {...field('orgCode')} search options={villages.map((v) => ({ value: v.code, label: v.name }))} />
            </Col>
            <Col xs={12} sm={6} lg={4}>
              <FilterSelect id="f-status" label={t('seals.status')} {...field('status')} options={SEAL_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} />
            </Col>
            <Col xs={12} sm={6} lg={5}>
              <FilterSelect id="f-type" label={t('seals.type')} {...field('typeCode')}
                options={types.map((ty) => ({ value: ty.code, label: i18n.language === 'en' ? ty.nameEn : ty.nameZh }))} />
            </Col>
            <Col xs={24} lg={9}>
              <label htmlFor="f-q" className="cz-label">{t('seals.q')}</label>
              <div className="cz-search-row">
                <Input id="f-q" value={qText} onChange={(e) => setQText(e.target.value)} placeholder={t('seals.qPlaceholder')} maxLength={50} allowClear />
                <Button htmlType="submit">{t('common.search')}</Button>
              </div>
            </Col>
          </Row>
        </form>
      </Card>
      <KeysetTable<Seal> list={list} columns={columns} label={t('seals.list')} testid="seal-table" empty={t('common.empty')} moreTestid="load-more" />
      {creating && <CreateSeal types={types} onClose={() => setCreating(false)} />}
    </>
  );
}

interface CreateValues { typeCode: string; orgCode: string; issuingAuthority: string; name?: string; keeperUserId?: string; approverUserIds?: string[] }

/** 制发: the town issues a new seal for a village unit. */
function CreateSeal({ types, onClose }: { types: SealType[]; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const { villages, towns } = useConsole();
  const { message } = App.useApp();
  const [form] = Form.useForm<CreateValues>();
  const orgCode = Form.useWatch('orgCode', form);
  const typeCode = Form.useWatch('typeCode', form);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const authority = towns[0] ? `${towns[0].name}人民政府` : '';
  // The town's name may arrive after the form opened: fill the default then, unless typed over.
  useEffect(() => {
    if (authority && !form.getFieldValue('issuingAuthority')) form.setFieldValue('issuingAuthority', authority);
  }, [authority, form]);

  const submit = async (v: CreateValues) => {
    setBusy(true);
    setError(null);
    try {
      const body = {
        typeCode: v.typeCode, orgCode: v.orgCode, issuingAuthority: v.issuingAuthority.trim(),
        ...(v.name?.trim() ? { name: v.name.trim() } : {}),
        ...(v.keeperUserId ? { keeperUserId: v.keeperUserId } : {}),
        ...(v.approverUserIds?.length ? { approverUserIds: v.approverUserIds } : {}),
      };
      const seal = await api.post<Seal>('/api/seals', body);
      void message.success(t('seals.created', { name: seal.name }));
      onClose();
      navigate(`/seals/${seal.id}`);
    } catch (e) {
      setError(errorText(e, t));
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('seals.createTitle')} onCancel={onClose} okText={t('common.submit')} cancelText={t('common.cancel')}
      onOk={() => form.submit()} confirmLoading={busy} destroyOnHidden okButtonProps={{ 'data-testid': 'create-submit' }}>
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ issuingAuthority: authority }} requiredMark>
        <Form.Item name="typeCode" label={t('seals.type')} rules={[{ required: true, message: t('auth.required', { field: t('seals.type') }) }]}>
          <Select options={types.map((ty) => ({ value: ty.code, label: i18n.language === 'en' ? ty.nameEn : ty.nameZh }))} />
        </Form.Item>
        <Form.Item name="orgCode" label={t('seals.village')} rules={[{ required: true, message: t('auth.required', { field: t('seals.village') }) }]}>
          <Select showSearch={{ optionFilterProp: 'label' }} options={villages.map((v) => ({ value: v.code, label: `${v.name}（${v.code}）` }))} />
        </Form.Item>
        <Form.Item name="issuingAuthority" label={t('seals.issuingAuthority')} rules={[{ required: true, whitespace: true, message: t('auth.required', { field: t('seals.issuingAuthority') }) }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="name" label={t('seals.nameOptional')}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="keeperUserId" label={t('seals.keeperId')}>
          <PersonField label={t('seals.keeperId')} pick={{ orgCode, typeCode, purpose: 'keeper' }} />
        </Form.Item>
        <Form.Item name="approverUserIds" label={t('seals.approverIds')}>
          <PersonField label={t('seals.approverIds')} multiple pick={{ orgCode, typeCode, purpose: 'approver' }} />
        </Form.Item>
        {error && <Alert type="error" title={error} showIcon role="alert" data-testid="form-error" />}
      </Form>
    </Modal>
  );
}
