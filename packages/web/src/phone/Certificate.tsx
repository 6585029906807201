import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, ApiError } from '../lib/api';
import { errorText } from '../lib/errors';
import { ID_NUMBER_SHAPE, validIdNumber } from '../lib/id-number';
import { linkClick } from '../lib/router';
import type { ApplicationDetailView, ApplyOptions, CertificateTemplateView, IssuedCertificate, TemplateField } from '../lib/types';
import { useConsole } from '../console/context';
import { expectOwn, useLiveRefresh } from '../shell/live';
import { Empty, ErrorBox, Loading, Note, PageTitle, StatusBadge, useLoad, useToast } from '../shell/ui';
import { described, FieldRow } from './Apply';

/** The town of the service point: the first village or town unit the clerk may issue for. */
function townOfClerk(grants: { role: string; orgCode: string }[]): string | null {
  const g = grants.find((x) => x.role === 'service_clerk') ?? grants[0];
  return g && g.orgCode.length >= 9 ? g.orgCode.slice(0, 9) : null;
}

/** 开具证明: the service-point clerk fills a template; the PDF and its stamping application follow. */
export default function Certificate() {
  const { t } = useTranslation();
  const { me } = useConsole();
  const town = townOfClerk(me.user.grants);
  const templates = useLoad(() => api.get<CertificateTemplateView[]>(`/api/certificate-templates?town=${town ?? ''}`), [town]);
  const opts = useLoad(() => api.get<ApplyOptions>('/api/apply-options'), []);
  const [code, setCode] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedCertificate | null>(null);

  const list = (templates.data ?? []).filter((x) => x.enabled);
  const tpl = list.find((x) => x.code === code) ?? null;

  let body;
  if (templates.error || opts.error) body = <ErrorBox text={(templates.error ?? opts.error)!} onRetry={() => { void templates.reload(); void opts.reload(); }} />;
  else if (!templates.data || !opts.data) body = <Loading />;
  else if (issued) body = <Issued issued={issued} onAgain={() => { setIssued(null); setCode(null); }} />;
  else if (list.length === 0) body = <Empty text={t('cert.noTemplates')} />;
  else if (!tpl) body = <TemplatePicker list={list} onPick={setCode} />;
  else body = <CertificateForm key={tpl.code} tpl={tpl} seals={opts.data.seals} onBack={() => setCode(null)} onIssued={setIssued} />;

  return (
    <section className="m-page" data-testid="certificate">
      <PageTitle title={t('nav.certificate')} sub={t('cert.subtitle')} />
      {body}
    </section>
  );
}

function TemplatePicker({ list, onPick }: { list: CertificateTemplateView[]; onPick: (code: string) => void }) {
  const { t, i18n } = useTranslation();
  return (
    <>
      <h2 className="m-h2">{t('cert.pick')}</h2>
      <ul className="m-choices" aria-label={t('cert.pick')}>
        {list.map((x) => (
          <li key={x.code}>
            <button type="button" className="m-choice" onClick={() => onPick(x.code)} data-testid="template" data-code={x.code}>
              {i18n.language === 'en' ? x.nameEn : x.nameZh}
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

function FieldInput({ f, value, onChange, error }: { f: TemplateField; value: string; onChange: (v: string) => void; error?: string | undefined }) {
  const id = `cf-${f.key}`;
  const a = described(id, error, !!f.hintZh);
  if (f.options?.length) {
    return (
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} {...a}>
        <option value="">—</option>
        {f.options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    );
  }
  switch (f.kind) {
    case 'multiline':
      return <textarea id={id} rows={3} maxLength={f.maxLength} value={value} onChange={(e) => onChange(e.target.value)} {...a} />;
    case 'date':
      // Text, not a date picker: some templates accept a month alone (2008-03).
      return <input id={id} inputMode="numeric" placeholder="YYYY-MM-DD" maxLength={f.maxLength} value={value} onChange={(e) => onChange(e.target.value)} {...a} />;
    case 'number':
      return <input id={id} type="text" inputMode="decimal" maxLength={f.maxLength} value={value} onChange={(e) => onChange(e.target.value)} {...a} />;
    case 'id_number':
      return <input id={id} inputMode="text" autoComplete="off" maxLength={18} value={value} onChange={(e) => onChange(e.target.value.toUpperCase())} {...a} />;
    default:
      return <input id={id} maxLength={f.maxLength} value={value} onChange={(e) => onChange(e.target.value)} {...a} />;
  }
}

function CertificateForm({ tpl, seals, onBack, onIssued }: {
  tpl: CertificateTemplateView; seals: ApplyOptions['seals']; onBack: () => void; onIssued: (c: IssuedCertificate) => void;
}) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const usable = seals.filter((s) => s.typeCode !== 'contract');
  const [sealId, setSealId] = useState(usable.length === 1 ? usable[0]!.id : '');
  const [values, setValues] = useState<Record<string, string>>({});
  const [onBehalf, setOnBehalf] = useState('');
  const [copies, setCopies] = useState('1');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const label = (f: TemplateField) => (i18n.language === 'en' ? f.labelEn : f.labelZh);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const e: Record<string, string> = {};
    if (!sealId) e.sealId = t('apply.required', { field: t('apply.seal') });
    if (!onBehalf.trim()) e.onBehalfOfName = t('apply.required', { field: t('cert.villager') });
    const c = Number(copies);
    if (!Number.isInteger(c) || c < 1 || c > 100) e.copies = t('apply.copiesRange', { max: 100 });
    for (const f of tpl.fields) {
      const v = (values[f.key] ?? '').trim();
      if (f.required && !v) e[f.key] = t('apply.required', { field: label(f) });
      else if (v && f.kind === 'id_number' && !ID_NUMBER_SHAPE.test(v)) e[f.key] = t('cert.idNumberInvalid');
      else if (v && f.kind === 'id_number' && !validIdNumber(v)) e[f.key] = t('cert.idNumberCheck');
      else if (v && f.kind === 'number' && Number.isNaN(Number(v))) e[f.key] = t('cert.numberInvalid');
      else if (v.length > f.maxLength) e[f.key] = t('cert.tooLong', { max: f.maxLength });
    }
    setErrors(e);
    if (Object.keys(e).length) {
      setError(t('apply.fixErrors'));
      return;
    }
    const fields: Record<string, string> = {};
    for (const f of tpl.fields) if ((values[f.key] ?? '').trim()) fields[f.key] = values[f.key]!.trim();
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<IssuedCertificate>('/api/certificates', { templateCode: tpl.code, sealId, fields, onBehalfOfName: onBehalf.trim(), copies: c });
      expectOwn(r.certificate.applicationId, 'submitted');
      toast({ text: t('cert.issued'), kind: 'success' });
      onIssued(r);
    } catch (err) {
      const text = errorText(err, t);
      if (err instanceof ApiError && err.field) {
        const key = err.field.replace(/^fields\./, '');
        setErrors({ [key]: text });
      }
      setError(text);
      setBusy(false);
    }
  };

  return (
    <form className="m-form" onSubmit={submit} noValidate aria-labelledby="cert-form-title" data-testid="certificate-form">
      <button type="button" className="btn btn-link" onClick={onBack}>← {t('cert.otherTemplate')}</button>
      <h2 id="cert-form-title" className="m-h2">{i18n.language === 'en' ? tpl.nameEn : tpl.nameZh}</h2>
      <FieldRow id="cf-seal" label={t('apply.seal')} error={errors.sealId} required>
        <select id="cf-seal" value={sealId} onChange={(e) => setSealId(e.target.value)} {...described('cf-seal', errors.sealId)}>
          {usable.length !== 1 && <option value="">{t('apply.choose')}</option>}
          {usable.map((s) => <option key={s.id} value={s.id}>{s.name}（{s.orgName}）</option>)}
        </select>
      </FieldRow>
      <FieldRow id="cf-villager" label={t('cert.villager')} error={errors.onBehalfOfName} required>
        <input id="cf-villager" maxLength={50} value={onBehalf} onChange={(e) => setOnBehalf(e.target.value)} autoComplete="off" {...described('cf-villager', errors.onBehalfOfName)} />
      </FieldRow>
      {tpl.fields.map((f) => (
        <FieldRow key={f.key} id={`cf-${f.key}`} label={label(f)} error={errors[f.key]} required={f.required} hint={f.hintZh}>
          <FieldInput f={f} value={values[f.key] ?? ''} onChange={(v) => setValues((x) => ({ ...x, [f.key]: v }))} error={errors[f.key]} />
        </FieldRow>
      ))}
      <FieldRow id="cf-copies" label={t('apply.copies')} error={errors.copies} required>
        <input id="cf-copies" type="number" inputMode="numeric" min={1} max={100} value={copies} onChange={(e) => setCopies(e.target.value)} {...described('cf-copies', errors.copies)} />
      </FieldRow>
      {error && <div className="m-alert m-alert-error" role="alert" data-testid="form-error">{error}</div>}
      <button type="submit" className="btn btn-primary btn-block btn-big" disabled={busy}>{busy ? t('common.loading') : t('cert.issue')}</button>
    </form>
  );
}

function Issued({ issued, onAgain }: { issued: IssuedCertificate; onAgain: () => void }) {
  const { t } = useTranslation();
  const { certificate: c, pdfUrl } = issued;
  const app = useLoad(() => api.get<ApplicationDetailView>(`/api/applications/${c.applicationId}`), [c.applicationId]);
  useLiveRefresh((e) => e.applicationId === c.applicationId && void app.reload(), () => void app.reload());
  const href = `/applications/${c.applicationId}?from=certificate`;
  return (
    <div className="m-card" data-testid="certificate-issued">
      <Note kind="success">{t('cert.issuedTitle', { title: c.title })}</Note>
      <dl className="m-facts">
        <dt>{t('cert.verifyCode')}</dt><dd><code className="m-code" data-testid="verify-code">{c.verifyCode}</code></dd>
        <dt>{t('cert.issuedAt')}</dt><dd>{formatTime(c.issuedAt)}</dd>
        <dt>{t('cert.application')}</dt>
        <dd>{app.data ? <StatusBadge status={app.data.application.status} /> : t('common.loading')} <a href={href} onClick={linkClick(href)}>{t('common.view')}</a></dd>
      </dl>
      <p className="m-hint">{t('cert.verifyHint')}</p>
      <div className="m-btns">
        <a className="btn btn-primary btn-big" href={pdfUrl} target="_blank" rel="noopener" data-testid="certificate-pdf">{t('cert.openPdf')}</a>
        <button type="button" className="btn btn-big" onClick={onAgain}>{t('cert.again')}</button>
      </div>
    </div>
  );
}
