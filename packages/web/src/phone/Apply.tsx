import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError, sendForm } from '../lib/api';
import { errorText } from '../lib/errors';
import { navigate } from '../lib/router';
import { hasRole, type ApplicationView, type ApplyOptions } from '../lib/types';
import { useConsole } from '../console/context';
import { expectOwn } from '../shell/live';
import { Empty, ErrorBox, Loading, Note, PageTitle, useLoad, useToast } from '../shell/ui';
import { formatBytes, PhotoPicker, type PickedPhoto } from './photos';

type Field = 'sealId' | 'matterCode' | 'reason' | 'documentTitle' | 'copies' | 'impressions' | 'onBehalfOfName' | 'page' | 'resolution';
type Errors = Partial<Record<Field, string>>;

/** The server's field name (`pages[2]`, `page`, `data.reason` …) as the form's field. */
function formField(field: string | undefined): Field | null {
  if (!field) return null;
  const f = field.replace(/^data\./, '');
  if (/^pages?\b/.test(f)) return 'page';
  const known: Field[] = ['sealId', 'matterCode', 'reason', 'documentTitle', 'copies', 'impressions', 'onBehalfOfName', 'resolution'];
  return known.find((k) => f === k || f.startsWith(`${k}.`)) ?? null;
}

export function FieldRow({ id, label, error, hint, children, required }: {
  id: string; label: string; error?: string | undefined; hint?: ReactNode; children: ReactNode; required?: boolean;
}) {
  return (
    <div className="m-field">
      <label className="m-label" htmlFor={id}>{label}{required && <span className="m-req" aria-hidden="true"> *</span>}</label>
      {children}
      {hint && <p className="m-hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p className="m-error" id={`${id}-err`}>{error}</p>}
    </div>
  );
}

/** aria attributes tying an input to its hint and error. */
export const described = (id: string, error?: string, hint?: boolean) => ({
  'aria-invalid': !!error,
  'aria-describedby': [hint ? `${id}-hint` : '', error ? `${id}-err` : ''].join(' ').trim() || undefined,
});

/** 申请用印: a villager or clerk applies to use a seal, with a photo of every page. */
export default function Apply() {
  const { t, i18n } = useTranslation();
  const { me } = useConsole();
  const toast = useToast();
  const opts = useLoad(() => api.get<ApplyOptions>('/api/apply-options'), []);
  const clerk = hasRole(me, 'service_clerk');
  const [sealId, setSealId] = useState('');
  const [matterCode, setMatterCode] = useState('');
  const [reason, setReason] = useState('');
  const [documentTitle, setDocumentTitle] = useState('');
  const [copies, setCopies] = useState('1');
  const [impressions, setImpressions] = useState('1');
  const [onBehalfOfName, setOnBehalf] = useState('');
  const [pages, setPages] = useState<PickedPhoto[]>([]);
  const [resolution, setResolution] = useState<PickedPhoto[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);

  const o = opts.data;
  const seal = o?.seals.find((s) => s.id === (sealId || (o.seals.length === 1 ? o.seals[0]!.id : '')));
  const matter = o?.matters.find((m) => m.code === matterCode);
  const words = useMemo(() => (o?.contractWords ?? []).filter((w) => reason.includes(w) || documentTitle.includes(w)), [o, reason, documentTitle]);
  const flagged = words.length > 0 && seal?.typeCode !== 'contract';
  const needsResolution = matter?.route === 'resolution' || flagged;

  if (opts.error && !o) return <><PageTitle title={t('nav.apply')} /><ErrorBox text={opts.error} onRetry={opts.reload} /></>;
  if (!o) return <><PageTitle title={t('nav.apply')} /><Loading /></>;
  if (o.seals.length === 0) return <><PageTitle title={t('nav.apply')} /><Empty text={t('apply.noSeals')} /></>;
  const { limits } = o;

  const check = (): Errors => {
    const e: Errors = {};
    const req = (f: Field, label: string) => (e[f] = t('apply.required', { field: label }));
    if (!seal) req('sealId', t('apply.seal'));
    if (!matter) req('matterCode', t('apply.matter'));
    if (reason.trim().length < 2) e.reason = t('apply.reasonShort');
    if (!documentTitle.trim()) req('documentTitle', t('apply.documentTitle'));
    const c = Number(copies);
    if (!Number.isInteger(c) || c < 1 || c > 100) e.copies = t('apply.copiesRange', { max: 100 });
    const n = Number(impressions);
    if (!Number.isInteger(n) || n < 1 || n > limits.maxImpressions) e.impressions = t('apply.impressionsRange', { max: limits.maxImpressions });
    if (clerk && !onBehalfOfName.trim()) req('onBehalfOfName', t('apply.onBehalfOf'));
    if (pages.length === 0) e.page = t('apply.noPages');
    else if (pages.length > limits.maxPages) e.page = t('apply.tooManyPages', { max: limits.maxPages });
    else {
      const big = pages.findIndex((p) => p.file.size > limits.maxPhotoBytes);
      if (big >= 0) e.page = t('apply.pageTooBig', { n: big + 1, size: formatBytes(pages[big]!.file.size), max: formatBytes(limits.maxPhotoBytes) });
      const notImage = pages.findIndex((p) => p.file.type !== '' && !p.file.type.startsWith('image/'));
      if (notImage >= 0) e.page = t('apply.notImage', { n: notImage + 1 });
    }
    if (resolution[0] && resolution[0].file.size > limits.maxPhotoBytes) e.resolution = t('apply.photoTooBig', { max: formatBytes(limits.maxPhotoBytes) });
    if (needsResolution && !resolution[0]) e.resolution = t('apply.resolutionMissing');
    return e;
  };

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (progress !== null) return;
    const e = check();
    setErrors(e);
    setFormError(null);
    if (Object.keys(e).length) {
      setFormError(t('apply.fixErrors'));
      return;
    }
    const form = new FormData();
    form.append('data', JSON.stringify({
      sealId: seal!.id, matterCode, reason: reason.trim(), documentTitle: documentTitle.trim(),
      copies: Number(copies), impressions: Number(impressions),
      ...(clerk && onBehalfOfName.trim() ? { onBehalfOfName: onBehalfOfName.trim() } : {}),
    }));
    for (const p of pages) form.append('page', p.file, p.file.name);
    if (needsResolution && resolution[0]) form.append('resolution', resolution[0].file, resolution[0].file.name);
    setProgress(0);
    try {
      const app = await sendForm<ApplicationView>('/api/applications', form, setProgress);
      expectOwn(app.id, 'submitted');
      toast({ text: t('apply.submitted', { title: app.documentTitle }), kind: 'success' });
      navigate(`/applications/${app.id}`);
    } catch (err) {
      setProgress(null);
      const f = err instanceof ApiError ? formField(err.field) : null;
      const text = errorText(err, t);
      if (f) setErrors({ [f]: text });
      setFormError(text);
    }
  };

  const routeOf = matter?.route;
  const matterName = (m: ApplyOptions['matters'][number]) => (i18n.language === 'en' ? m.nameEn : m.nameZh);

  return (
    <form className="m-page m-form" onSubmit={submit} noValidate aria-labelledby="apply-title" data-testid="apply-form">
      <div className="m-head"><h1 id="apply-title">{t('nav.apply')}</h1><p>{t('apply.subtitle')}</p></div>

      <FieldRow id="ap-seal" label={t('apply.seal')} error={errors.sealId} required>
        <select id="ap-seal" value={seal?.id ?? ''} onChange={(e) => setSealId(e.target.value)} {...described('ap-seal', errors.sealId)}>
          {o.seals.length > 1 && <option value="">{t('apply.choose')}</option>}
          {o.seals.map((s) => <option key={s.id} value={s.id}>{s.name}（{s.orgName}）</option>)}
        </select>
      </FieldRow>

      <FieldRow id="ap-matter" label={t('apply.matter')} error={errors.matterCode} required
        hint={routeOf && <span data-testid="route-hint" data-route={routeOf}>{t(`route.${routeOf}`)}</span>}>
        <select id="ap-matter" value={matterCode} onChange={(e) => setMatterCode(e.target.value)} {...described('ap-matter', errors.matterCode, !!routeOf)}>
          <option value="">{t('apply.choose')}</option>
          {(['keeper', 'approver', 'leader', 'resolution'] as const).map((r) => {
            const ms = o.matters.filter((m) => m.route === r);
            return ms.length > 0 && (
              <optgroup key={r} label={t(`routeShort.${r}`)}>
                {ms.map((m) => <option key={m.code} value={m.code}>{matterName(m)}</option>)}
              </optgroup>
            );
          })}
        </select>
      </FieldRow>

      <FieldRow id="ap-reason" label={t('apply.reason')} error={errors.reason} required>
        <textarea id="ap-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)}
          placeholder={t('apply.reasonPlaceholder')} {...described('ap-reason', errors.reason)} />
      </FieldRow>

      <FieldRow id="ap-title" label={t('apply.documentTitle')} error={errors.documentTitle} required>
        <input id="ap-title" maxLength={200} value={documentTitle} onChange={(e) => setDocumentTitle(e.target.value)}
          placeholder={t('apply.documentTitlePlaceholder')} {...described('ap-title', errors.documentTitle)} />
      </FieldRow>

      <div className="m-row2">
        <FieldRow id="ap-copies" label={t('apply.copies')} error={errors.copies} required>
          <input id="ap-copies" type="number" inputMode="numeric" min={1} max={100} value={copies} onChange={(e) => setCopies(e.target.value)} {...described('ap-copies', errors.copies)} />
        </FieldRow>
        <FieldRow id="ap-impressions" label={t('apply.impressions')} error={errors.impressions} required>
          <input id="ap-impressions" type="number" inputMode="numeric" min={1} max={limits.maxImpressions} value={impressions}
            onChange={(e) => setImpressions(e.target.value)} {...described('ap-impressions', errors.impressions)} />
        </FieldRow>
      </div>

      {clerk && (
        <FieldRow id="ap-behalf" label={t('apply.onBehalfOf')} error={errors.onBehalfOfName} hint={t('apply.onBehalfOfHint')} required>
          <input id="ap-behalf" maxLength={50} value={onBehalfOfName} onChange={(e) => setOnBehalf(e.target.value)} autoComplete="off"
            {...described('ap-behalf', errors.onBehalfOfName, true)} />
        </FieldRow>
      )}

      {flagged && (
        <Note kind="warning" testid="contract-warning">
          {t('apply.contractWords', { words: words.join('、') })}
        </Note>
      )}
      {!flagged && routeOf === 'resolution' && <Note kind="warning" testid="resolution-warning">{t('apply.resolutionNeeded')}</Note>}

      <PhotoPicker id="ap-pages" testid="pages-field" label={t('apply.pages')} photos={pages} onChange={setPages} error={errors.page}
        hint={t('apply.pagesHint', { max: limits.maxPages, size: formatBytes(limits.maxPhotoBytes) })} />

      {needsResolution && (
        <PhotoPicker id="ap-resolution" testid="resolution-field" label={t('apply.resolution')} photos={resolution} onChange={setResolution}
          multiple={false} error={errors.resolution} hint={t('apply.resolutionHint')} />
      )}

      {formError && <div className="m-alert m-alert-error" role="alert" data-testid="form-error">{formError}</div>}
      {progress !== null && (
        <div className="m-progress" role="status">
          <progress value={Math.round(progress * 100)} max={100} aria-label={t('apply.uploading')} />
          <span>{progress < 1 ? t('apply.uploadingPct', { pct: Math.round(progress * 100) }) : t('apply.processing')}</span>
        </div>
      )}
      <button type="submit" className="btn btn-primary btn-block btn-big" disabled={progress !== null} data-testid="apply-submit">
        {progress !== null ? t('apply.sending') : t('apply.submit')}
      </button>
    </form>
  );
}
