import { Input, Select } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, qs } from '../lib/api';
import { can, type Page, type UserView } from '../lib/types';
import { useConsole } from './context';

/**
 * Chooses a person. With user.read the field searches the people list; without it (a
 * station officer may not list people) it takes a pasted person ID.
 */
export function PersonField({ id, value, onChange, multiple, label }: {
  /** Given by the surrounding Form.Item, so its label points here. */
  id?: string;
  value?: string | string[] | undefined;
  onChange?: (v: string | string[] | undefined) => void;
  multiple?: boolean;
  label: string;
}) {
  const { me } = useConsole();
  const canList = can(me, 'user.read');
  const [q, setQ] = useState('');
  const [options, setOptions] = useState<{ value: string; label: string }[]>([]);

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
