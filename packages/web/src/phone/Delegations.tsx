import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import type { DelegationView } from '../lib/types';
import { useConsole } from '../console/context';
import { Empty, ErrorBox, Loading, PageTitle, useLoad, useToast } from '../shell/ui';
import { described, FieldRow } from './Apply';

/** A datetime-local value (the phone's local time) for a Date. */
function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

function DelegationList({ items, who, onEnd }: { items: DelegationView[]; who: 'given' | 'received'; onEnd?: (d: DelegationView) => void }) {
  const { t } = useTranslation();
  const { orgName } = useConsole();
  return (
    <ul className="m-list" data-testid={`delegations-${who}`}>
      {items.map((d) => (
        <li key={d.id} className="m-card" data-testid="delegation">
          <strong>{who === 'given' ? t('deleg.deputyIs', { name: d.deputyName }) : t('deleg.forApprover', { name: d.approverName })}</strong>
          <span className="m-app-line">{orgName(d.orgCode)}</span>
          <span className="m-app-line m-muted">{formatTime(d.validFrom)} – {formatTime(d.validUntil)}</span>
          {onEnd && <button type="button" className="btn" onClick={() => onEnd(d)}>{t('deleg.end')}</button>}
        </li>
      ))}
    </ul>
  );
}

/** 委托代批: an approver who will be away names a deputy for one village and a period. */
export default function Delegations() {
  const { t } = useTranslation();
  const { me, villages, orgName } = useConsole();
  const toast = useToast();
  const list = useLoad(() => api.get<{ given: DelegationView[]; received: DelegationView[] }>('/api/delegations'), []);
  const end = async (d: DelegationView) => {
    try {
      await api.del(`/api/delegations/${d.id}`);
      toast({ text: t('deleg.ended', { name: d.deputyName }), kind: 'success' });
      await list.reload();
    } catch (err) {
      toast({ text: errorText(err, t), kind: 'error' });
    }
  };
  // Villages where this person approves (书记/主任 of a village, or of every village under a wider grant).
  const units = useMemo(() => {
    const codes = new Set<string>();
    for (const g of me.user.grants) {
      if (g.role !== 'village_approver') continue;
      if (g.orgCode.length === 12) codes.add(g.orgCode);
      else for (const v of villages) if (v.code.startsWith(g.orgCode)) codes.add(v.code);
    }
    return [...codes].sort();
  }, [me, villages]);
  const [orgCode, setOrgCode] = useState('');
  const village = orgCode || (units.length === 1 ? units[0]! : '');
  const [candidates, setCandidates] = useState<{ id: string; name: string }[] | null>(null);
  const [deputy, setDeputy] = useState('');
  const [from, setFrom] = useState(() => localInput(new Date()));
  const [until, setUntil] = useState(() => localInput(new Date(Date.now() + 3 * 86_400_000)));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!village) return;
    let live = true;
    setCandidates(null);
    setDeputy('');
    api.get<{ id: string; name: string }[]>(`/api/delegation-candidates${qs({ orgCode: village })}`)
      .then((c) => live && setCandidates(c))
      .catch((e: unknown) => {
        if (!live) return;
        setCandidates([]);
        setError(errorText(e, t));
      });
    return () => {
      live = false;
    };
  }, [village, t]);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const e: Record<string, string> = {};
    if (!village) e.orgCode = t('apply.required', { field: t('deleg.village') });
    if (!deputy) e.deputy = t('apply.required', { field: t('deleg.deputy') });
    const a = new Date(from);
    const b = new Date(until);
    if (Number.isNaN(a.getTime())) e.from = t('stamp.timeInvalid');
    if (Number.isNaN(b.getTime())) e.until = t('stamp.timeInvalid');
    else if (!e.from && b <= a) e.until = t('deleg.untilAfter');
    setErrors(e);
    if (Object.keys(e).length) return;
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/delegations', { deputyUserId: deputy, orgCode: village, validFrom: a.toISOString(), validUntil: b.toISOString() });
      toast({ text: t('deleg.done', { name: candidates?.find((c) => c.id === deputy)?.name ?? '' }), kind: 'success' });
      await list.reload();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="m-page" data-testid="delegations">
      <PageTitle title={t('nav.delegations')} sub={t('deleg.subtitle')} />
      {units.length === 0 ? <Empty text={t('deleg.noUnits')} /> : (
        <form className="m-form m-card" onSubmit={submit} noValidate aria-labelledby="deleg-new">
          <h2 id="deleg-new" className="cz-card-title">{t('deleg.new')}</h2>
          <FieldRow id="dg-village" label={t('deleg.village')} error={errors.orgCode} required>
            <select id="dg-village" value={village} onChange={(e) => setOrgCode(e.target.value)} {...described('dg-village', errors.orgCode)}>
              {units.length > 1 && <option value="">{t('apply.choose')}</option>}
              {units.map((c) => <option key={c} value={c}>{orgName(c)}</option>)}
            </select>
          </FieldRow>
          <FieldRow id="dg-deputy" label={t('deleg.deputy')} error={errors.deputy} required
            hint={village && candidates?.length === 0 ? t('deleg.noCandidates') : undefined}>
            <select id="dg-deputy" value={deputy} onChange={(e) => setDeputy(e.target.value)} disabled={!candidates} {...described('dg-deputy', errors.deputy)}>
              <option value="">{candidates ? t('apply.choose') : village ? t('common.loading') : '—'}</option>
              {(candidates ?? []).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
          </FieldRow>
          <div className="m-row2 m-row2-wide">
            <FieldRow id="dg-from" label={t('deleg.from')} error={errors.from} required>
              <input id="dg-from" type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} {...described('dg-from', errors.from)} />
            </FieldRow>
            <FieldRow id="dg-until" label={t('deleg.until')} error={errors.until} required>
              <input id="dg-until" type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} {...described('dg-until', errors.until)} />
            </FieldRow>
          </div>
          {error && <div className="m-alert m-alert-error" role="alert">{error}</div>}
          <button type="submit" className="btn btn-primary btn-block btn-big" disabled={busy}>{busy ? t('common.loading') : t('deleg.submit')}</button>
        </form>
      )}
      <section className="cz-section" aria-labelledby="deleg-given">
        <h2 id="deleg-given">{t('deleg.given')}</h2>
        {list.error ? <ErrorBox text={list.error} onRetry={list.reload} /> : !list.data ? <Loading />
          : list.data.given.length === 0 ? <Empty text={t('deleg.noneGiven')} /> : <DelegationList items={list.data.given} who="given" onEnd={(d) => void end(d)} />}
      </section>
      {list.data && list.data.received.length > 0 && (
        <section className="cz-section" aria-labelledby="deleg-received">
          <h2 id="deleg-received">{t('deleg.received')}</h2>
          <DelegationList items={list.data.received} who="received" />
        </section>
      )}
    </section>
  );
}
