import { Alert, App, Button, Form, Input, Modal, Popconfirm, Select, Tag } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../lib/api';
import { errorText } from '../lib/errors';
import { can, ROLES, type UserView } from '../lib/types';
import { useConsole } from './context';

/** The units the administrator may pick: their towns, then the villages under them. */
function useUnitOptions() {
  const { towns, villages } = useConsole();
  return [...towns, ...villages].map((o) => ({ value: o.code, label: `${o.name}（${o.code}）` }));
}

interface CreateValues { name: string; phone: string; idNumber?: string; password: string; orgCode: string }
const CREATE_FIELDS = ['name', 'phone', 'idNumber', 'password', 'orgCode'];

/** 新建账号 (system administrator): server refusals land on the field they name. */
export function CreatePerson({ onClose, onCreated }: { onClose: () => void; onCreated: (u: UserView) => void }) {
  const { t } = useTranslation();
  const units = useUnitOptions();
  const [form] = Form.useForm<CreateValues>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const required = (field: string) => ({ required: true, whitespace: true, message: t('auth.required', { field }) });

  const submit = async (v: CreateValues) => {
    setBusy(true);
    setError(null);
    try {
      const body = {
        name: v.name.trim(), phone: v.phone.trim(), password: v.password, orgCode: v.orgCode,
        ...(v.idNumber?.trim() ? { idNumber: v.idNumber.trim() } : {}),
      };
      onCreated(await api.post<UserView>('/api/users', body));
    } catch (e) {
      const text = errorText(e, t);
      if (e instanceof ApiError && e.field && CREATE_FIELDS.includes(e.field)) {
        form.setFields([{ name: e.field as keyof CreateValues, errors: [text] }]);
      } else {
        setError(text);
      }
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('people.createTitle')} onCancel={onClose} okText={t('common.submit')} cancelText={t('common.cancel')}
      onOk={() => form.submit()} confirmLoading={busy} destroyOnHidden okButtonProps={{ 'data-testid': 'create-person-submit' }}>
      <Form form={form} layout="vertical" onFinish={submit} requiredMark data-testid="create-person-form"
        initialValues={{ orgCode: units[0]?.value }}>
        <Form.Item name="name" label={t('people.name')} rules={[required(t('people.name'))]}>
          <Input maxLength={50} autoComplete="off" />
        </Form.Item>
        <Form.Item name="phone" label={t('people.phone')} rules={[required(t('people.phone'))]} extra={t('people.phoneHint')}>
          <Input maxLength={20} inputMode="numeric" autoComplete="off" />
        </Form.Item>
        <Form.Item name="idNumber" label={t('people.idNumberOptional')}>
          <Input maxLength={18} autoComplete="off" />
        </Form.Item>
        <Form.Item name="password" label={t('people.password')} rules={[required(t('people.password'))]} extra={t('people.passwordHint')}>
          <Input.Password maxLength={200} autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="orgCode" label={t('people.unit')} rules={[required(t('people.unit'))]}>
          <Select showSearch={{ optionFilterProp: 'label' }} options={units} />
        </Form.Item>
        {error && <Alert type="error" title={error} showIcon role="alert" data-testid="form-error" />}
      </Form>
    </Modal>
  );
}

interface GrantValues { role: string; orgCode: string }

/** 角色 (security administrator): the person's grants, revoking one, granting another. */
export function ManageGrants({ person, onClose, onChanged }: { person: UserView; onClose: () => void; onChanged: () => Promise<void> }) {
  const { me, orgName } = useConsole();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const units = useUnitOptions();
  const [form] = Form.useForm<GrantValues>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mayGrant = can(me, 'role.grant');

  const grant = async (v: GrantValues) => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/users/${encodeURIComponent(person.id)}/grants`, { role: v.role, orgCode: v.orgCode });
      void message.success(t('people.granted', { role: t(`roles.${v.role}`), unit: orgName(v.orgCode) }));
      form.resetFields();
      await onChanged();
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (grantId: string, role: string) => {
    setError(null);
    try {
      await api.del(`/api/users/${encodeURIComponent(person.id)}/grants/${encodeURIComponent(grantId)}`);
      void message.success(t('people.revoked', { role: t(`roles.${role}`) }));
      await onChanged();
    } catch (e) {
      setError(errorText(e, t));
    }
  };

  return (
    <Modal open title={t('people.grantsTitle', { name: person.name })} onCancel={onClose} footer={<Button onClick={onClose}>{t('common.back')}</Button>} destroyOnHidden>
      <h3 className="cz-card-title">{t('people.currentRoles')}</h3>
      {person.grants.length === 0 ? <p>{t('roles.none')}</p> : (
        <ul className="cz-list" data-testid="grant-list">
          {person.grants.map((g) => (
            <li key={g.id} className="cz-list-row" data-testid="person-grant" data-role={g.role} style={{ display: 'flex', alignItems: 'center', gap: 8, flexWrap: 'wrap' }}>
              <Tag>{t(`roles.${g.role}`)}</Tag>
              <span>{orgName(g.orgCode)}</span>
              {mayGrant && (
                <Popconfirm title={t('people.revokeConfirm', { role: t(`roles.${g.role}`), unit: orgName(g.orgCode) })}
                  okText={t('common.confirm')} cancelText={t('common.cancel')} onConfirm={() => revoke(g.id, g.role)}>
                  <Button size="small" autoInsertSpace={false} danger aria-label={t('people.revokeFor', { role: t(`roles.${g.role}`), unit: orgName(g.orgCode) })} data-testid="revoke">
                    {t('people.revoke')}
                  </Button>
                </Popconfirm>
              )}
            </li>
          ))}
        </ul>
      )}
      {mayGrant && (
        <>
          <h3 className="cz-card-title" style={{ marginTop: 16 }}>{t('people.newGrant')}</h3>
          <Form form={form} layout="vertical" onFinish={grant} requiredMark data-testid="grant-form">
            <Form.Item name="role" label={t('people.role')} rules={[{ required: true, message: t('auth.required', { field: t('people.role') }) }]}>
              <Select options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} />
            </Form.Item>
            <Form.Item name="orgCode" label={t('people.grantUnit')} rules={[{ required: true, message: t('auth.required', { field: t('people.grantUnit') }) }]}
              extra={t('people.grantHint')}>
              <Select showSearch={{ optionFilterProp: 'label' }} options={units} />
            </Form.Item>
            {error && <Alert type="error" title={error} showIcon role="alert" data-testid="grant-error" style={{ marginBottom: 12 }} />}
            <Button type="primary" htmlType="submit" loading={busy} data-testid="grant-submit">{t('people.grant')}</Button>
          </Form>
        </>
      )}
      {!mayGrant && error && <Alert type="error" title={error} showIcon role="alert" />}
    </Modal>
  );
}
