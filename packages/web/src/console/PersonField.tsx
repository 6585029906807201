import { Input, Select } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../lib/api';
import { can, type Page, type UserView } from '../lib/types';
import { useConsole } from './context';

/** Who the field chooses: a keeper or approver for a seal of a type on a village unit. */
export interface Pick {
  orgCode: string | undefined;
  typeCode: string | undefined;
  purpose: 'keeper' | 'approver';
}

interface Candidate { id: string; name: string; phoneMasked: string }

type Option = { value: string; label: string };

/**
 * Chooses a person. A seal manager picks from the people who may keep or approve the seal
 * (/api/seal-candidates); someone who may list people searches them; otherwise a pasted ID.
 */
export function PersonField({ id, value, onChange, multiple, label, pick }: {
  /** Given by the surrounding Form.Item, so its label points here. */
  id?: string;
  value?: string | string[] | undefined;
  onChange?: (v: string | string[] | undefined) => void;
  multiple?: boolean;
  label: string;
  pick?: Pick;
}) {
  const { me } = useConsole();
  const useCandidates = !!pick && !!pick.orgCode && can(me, 'seal.manage', pick.orgCode);
  const canList = !useCandidates && can(me, 'user.read');
  const [q, setQ] = useState('');
  const [options, setOptions] = useState<Option[]>([]);

  useEffect(() => {
    if (!useCandidates || !pick?.orgCode || !pick.typeCode) return;
    let live = true;
    api.get<Candidate[]>(`/api/seal-candidates${qs({ orgCode: pick.orgCode, typeCode: pick.typeCode, purpose: pick.purpose })}`)
      .then((cs) => live && setOptions(cs.map((c) => ({ value: c.id, label: `${c.name}（${c.phoneMasked}）` }))))
      .catch(() => live && setOptions([]));
    return () => {
      live = false;
    };
  }, [useCandidates, pick?.orgCode, pick?.typeCode, pick?.purpose]);

  useEffect(() => {
    if (!canList) return;
    let live = true;
    const timer = window.setTimeout(() => {
      api.get<Page<UserView>>(`/api/users${qs({ q, limit: 20 })}`)
        .then((p) => live && setOptions(p.items.map((u) => ({ value: u.id, label: `${u.name}（${u.phoneMasked}）` }))))
        .catch(() => undefined);
    }, 250);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [q, canList]);

  if (useCandidates) {
    return (
      <Select id={id} aria-label={label} showSearch={{ optionFilterProp: 'label' }} allowClear
        mode={multiple ? 'multiple' : undefined} options={options} value={value} onChange={(v: string | string[]) => onChange?.(v ?? undefined)} />
    );
  }
  if (canList) {
    return (
      <Select id={id} aria-label={label} showSearch={{ filterOption: false, onSearch: setQ }} allowClear
        mode={multiple ? 'multiple' : undefined} options={options} value={value} onChange={(v: string | string[]) => onChange?.(v ?? undefined)} />
    );
  }
  return <IdInput id={id} value={value} onChange={onChange} multiple={!!multiple} />;
}

function IdInput({ id, value, onChange, multiple }: {
  id?: string | undefined;
  value?: string | string[] | undefined;
  onChange?: ((v: string | string[] | undefined) => void) | undefined;
  multiple: boolean;
}) {
  const { t } = useTranslation();
  // The typed text is kept as typed; the form gets the parsed ID(s).
  const [raw, setRaw] = useState(() => (Array.isArray(value) ? value.join(', ') : (value ?? '')));
  return (
    <Input id={id} value={raw} autoComplete="off" spellCheck={false} className="cz-mono" placeholder={t('people.id')}
      onChange={(e) => {
        const v = e.target.value;
        setRaw(v);
        onChange?.(multiple ? v.split(/[\s,，、]+/).filter(Boolean) : v.trim() || undefined);
      }} />
  );
}
