import { lazy, Suspense, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, sendForm } from '../lib/api';
import { errorText } from '../lib/errors';
import { searchOf, usePath } from '../lib/router';
import type { ApplicationAction, ApplicationDetailView, PageImage, StampingView } from '../lib/types';
import { useConsole } from '../console/context';
import { withDeviceStrings } from '../devices/strings';
import { expectOwn, useLiveRefresh } from '../shell/live';
import { Dialog, ErrorBox, Loading, Note, PageTitle, PhotoViewer, StatusBadge, useLoad, useToast } from '../shell/ui';
import { described, FieldRow } from './Apply';
import { PhotoPicker, type PickedPhoto } from './photos';

/** 设备通行码 (issue 4): loads only for an approved use of a seal with a device. */
const DevicePass = lazy(withDeviceStrings(() => import('../devices/DevicePass')));

const BACK: Record<string, string> = { mine: '/mine', inbox: '/inbox', queue: '/queue', certificate: '/certificate' };

/** Page photos in order, large enough to read; a tap shows the full photo. */
export function PageGallery({ pages, label }: { pages: PageImage[]; label: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<PageImage | null>(null);
  return (
    <>
      <ol className="m-pages" aria-label={label} data-testid="pages">
        {pages.map((p) => (
          <li key={p.pageNo}>
            <button type="button" className="m-page-btn" onClick={() => setOpen(p)} aria-label={t('app.enlargePage', { n: p.pageNo })}>
              <img src={p.thumbUrl} alt={t('apply.pageAlt', { n: p.pageNo })} loading="lazy" />
              <span>{t('apply.pageN', { n: p.pageNo })}</span>
            </button>
          </li>
        ))}
      </ol>
      <PhotoViewer src={open?.photoUrl ?? null} alt={open ? t('apply.pageAlt', { n: open.pageNo }) : ''} onClose={() => setOpen(null)} />
    </>
  );
}

export function StampingList({ stampings }: { stampings: StampingView[] }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState<StampingView | null>(null);
  return (
    <>
      <ul className="m-list" data-testid="stampings">
        {stampings.map((s) => (
          <li key={s.id} className="m-card m-stamping" data-testid="stamping" data-source={s.source}>
            {s.thumbUrl && (
              <button type="button" className="m-page-btn m-stamp-thumb" onClick={() => setOpen(s)} aria-label={t('app.enlargeStamped')}>
                <img src={s.thumbUrl} alt={t('app.stampedPhoto')} loading="lazy" />
              </button>
            )}
            <dl className="m-facts">
              <dt>{t('app.stampedAt')}</dt><dd>{formatTime(s.stampedAt)}</dd>
              <dt>{t('app.impressionsMade')}</dt><dd>{s.impressions}</dd>
              <dt>{t('app.source')}</dt><dd>{t(`app.source_${s.source}`)}{s.operatorName ? ` · ${s.operatorName}` : ''}</dd>
              {s.matchedPageNo !== null && <><dt>{t('app.matched')}</dt><dd>{t('app.matchedPage', { n: s.matchedPageNo, d: s.phashDistance ?? '—' })}</dd></>}
              {s.matchedPageNo === null && s.phashDistance !== null && <><dt>{t('app.matched')}</dt><dd className="m-warn-text" data-testid="page-mismatch">{t('app.noPageMatch', { d: s.phashDistance })}</dd></>}
              {s.note && <><dt>{t('app.note')}</dt><dd>{s.note}</dd></>}
            </dl>
          </li>
        ))}
      </ul>
      <PhotoViewer src={open?.photoUrl ?? null} alt={t('app.stampedPhoto')} onClose={() => setOpen(null)} />
    </>
  );
}

/** One application: what was asked, the decision, the authorization, the pages, the stampings, the steps open now. */
export default function ApplicationPage({ id }: { id: string }) {
  const { t } = useTranslation();
  const { me } = useConsole();
  const from = searchOf(usePath()).get('from') ?? 'mine';
  const d = useLoad(() => api.get<ApplicationDetailView>(`/api/applications/${encodeURIComponent(id)}`), [id]);
  useLiveRefresh((e) => e.applicationId === id && void d.reload(), () => void d.reload());
  const back = { href: BACK[from] ?? '/mine', label: t(`nav.${from in BACK ? from : 'mine'}`) };

  if (d.error && !d.data) return <><PageTitle title={t('app.title')} back={back} /><ErrorBox text={d.error} onRetry={d.reload} /></>;
  if (!d.data) return <><PageTitle title={t('app.title')} back={back} /><Loading /></>;
  const { application: a, seal, authorization: auth, stampings, history, actions } = d.data;

  return (
    <article className="m-page" data-testid="application" data-id={a.id} data-status={a.status}>
      <PageTitle back={back} title={<>{a.documentTitle} <StatusBadge status={a.status} /></>} sub={`${a.sealName} · ${a.orgName}`} />
      {d.error && <ErrorBox text={d.error} onRetry={d.reload} />}

      {a.status === 'pending' && <Note testid="route-note">{t(`route.${a.route}`)}</Note>}
      {a.contractWords.length > 0 && (
        <Note kind="warning" testid="contract-warning">
          {t('app.contractFlag', { words: a.contractWords.join('、') })}{' '}{a.hasResolution ? t('app.resolutionAttached') : t('app.resolutionMissing')}
        </Note>
      )}

      {a.status === 'approved' && seal.deviceId && auth?.status === 'active' && (a.applicantUserId === me.user.id || a.clerkUserId === me.user.id) && (
        <Suspense fallback={<Loading />}><DevicePass applicationId={a.id} /></Suspense>
      )}

      <Actions id={a.id} actions={actions} remaining={auth ? auth.impressionsAllowed - auth.impressionsUsed : a.impressions} onDone={d.reload} />

      <section className="m-card" aria-labelledby="app-facts">
        <h2 id="app-facts" className="cz-card-title">{t('app.facts')}</h2>
        <dl className="m-facts" data-testid="facts">
          <dt>{t('apply.seal')}</dt><dd>{a.sealName}</dd>
          <dt>{t('apply.matter')}</dt><dd>{a.matterName} <span className="m-hint">（{t(`routeShort.${a.route}`)}）</span></dd>
          <dt>{t('apply.reason')}</dt><dd className="m-pre">{a.reason}</dd>
          <dt>{t('app.copiesImpressions')}</dt><dd>{t('app.copiesImpressionsV', { copies: a.copies, n: a.impressions })}</dd>
          <dt>{t('app.applicant')}</dt>
          <dd data-testid="applicant">{a.onBehalfOfName ? t('app.forVillager', { name: a.onBehalfOfName, clerk: a.applicantName }) : a.applicantName}</dd>
          <dt>{t('app.createdAt')}</dt><dd>{formatTime(a.createdAt)}</dd>
          {a.route === 'resolution' && <><dt>{t('apply.resolution')}</dt><dd>{a.hasResolution ? t('app.resolutionAttached') : t('app.resolutionMissing')}</dd></>}
          {a.status === 'pending' && <><dt>{t('app.expiresAt')}</dt><dd>{formatTime(a.expiresAt)}</dd></>}
          {a.decidedAt && (
            <>
              <dt>{t('app.decider')}</dt>
              <dd data-testid="decider">{a.decidedForName ? t('app.deputyFor', { name: a.decidedByName ?? '—', for: a.decidedForName }) : a.decidedByName}</dd>
              <dt>{t('app.decidedAt')}</dt><dd>{formatTime(a.decidedAt)}</dd>
              <dt>{t('app.opinion')}</dt><dd className="m-pre" data-testid="opinion">{a.opinion ?? '—'}</dd>
            </>
          )}
          <dt>{t('app.keeper')}</dt><dd>{seal.keeperName ?? '—'}</dd>
          <dt>{t('app.device')}</dt><dd>{seal.deviceId ?? t('app.noDevice')}</dd>
        </dl>
      </section>

      {auth && (
        <section className="m-card" aria-labelledby="app-auth" data-testid="authorization" data-status={auth.status}>
          <h2 id="app-auth" className="cz-card-title">{t('app.authorization')}</h2>
          <dl className="m-facts">
            <dt>{t('app.authStatus')}</dt><dd>{t(`authStatus.${auth.status}`)}</dd>
            <dt>{t('app.impressionsUsed')}</dt><dd>{t('app.usedOf', { used: auth.impressionsUsed, allowed: auth.impressionsAllowed })}</dd>
            <dt>{t('app.window')}</dt><dd>{formatTime(auth.validFrom)} – {formatTime(auth.validUntil)}</dd>
          </dl>
        </section>
      )}

      <section aria-labelledby="app-pages" className="cz-section">
        <h2 id="app-pages">{t('app.pages', { n: a.pages.length })}</h2>
        <PageGallery pages={a.pages} label={t('app.pages', { n: a.pages.length })} />
      </section>

      {stampings.length > 0 && (
        <section aria-labelledby="app-stampings" className="cz-section">
          <h2 id="app-stampings">{t('app.stampings')}</h2>
          <StampingList stampings={stampings} />
        </section>
      )}

      <section aria-labelledby="app-history" className="cz-section">
        <h2 id="app-history">{t('app.history')}</h2>
        <ol className="m-timeline" data-testid="history">
          {[...history].sort((x, y) => y.seq - x.seq).map((h) => (
            <li key={h.seq}>
              <span className="m-muted">{formatTime(h.at)}</span>{' '}
              <strong>{t(`events.${h.action}`, { defaultValue: h.action })}</strong>
              {h.actorName && <> · {h.actorName}</>}
            </li>
          ))}
        </ol>
      </section>
    </article>
  );
}

type Pending = null | 'approve' | 'reject' | 'withdraw' | 'revoke';

/** The steps this person may take now, as the server offers them; each asks for confirmation. */
function Actions({ id, actions, remaining, onDone }: { id: string; actions: ApplicationAction[]; remaining: number; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [opinion, setOpinion] = useState('');
  const [opinionError, setOpinionError] = useState<string | undefined>();
  const [reason, setReason] = useState('');
  const [confirm, setConfirm] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const decide = actions.includes('approve') || actions.includes('reject');
  if (actions.length === 0) return null;

  const ask = (p: Exclude<Pending, null>) => {
    setError(null);
    if ((p === 'approve' || p === 'reject') && opinion.trim().length === 0) {
      setOpinionError(t('app.opinionRequired'));
      document.getElementById('app-opinion')?.focus();
      return;
    }
    setOpinionError(undefined);
    setConfirm(p);
  };

  const run = async () => {
    if (!confirm) return;
    if (confirm === 'revoke' && reason.trim().length < 2) {
      setError(t('app.revokeReasonRequired'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (confirm === 'approve' || confirm === 'reject') {
        expectOwn(id, confirm === 'approve' ? 'approved' : 'rejected');
        await api.post(`/api/applications/${id}/decision`, { decision: confirm, opinion: opinion.trim() });
      } else if (confirm === 'withdraw') {
        expectOwn(id, 'withdrawn');
        await api.post(`/api/applications/${id}/withdraw`, {});
      } else {
        expectOwn(id, 'revoked');
        await api.post(`/api/applications/${id}/revoke`, { reason: reason.trim() });
      }
      toast({ text: t(`app.done_${confirm}`), kind: 'success' });
      setConfirm(null);
      setOpinion('');
      await onDone();
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="m-card m-actions" aria-labelledby="app-actions" data-testid="actions">
      <h2 id="app-actions" className="cz-card-title">{t('app.actions')}</h2>
      {decide && (
        <FieldRow id="app-opinion" label={t('app.opinion')} error={opinionError} required hint={t('app.opinionHint')}>
          <textarea id="app-opinion" rows={3} maxLength={500} value={opinion} onChange={(e) => setOpinion(e.target.value)}
            {...described('app-opinion', opinionError, true)} />
        </FieldRow>
      )}
      <div className="m-btns">
        {actions.includes('approve') && <button type="button" className="btn btn-primary btn-big" onClick={() => ask('approve')}>{t('app.approve')}</button>}
        {actions.includes('reject') && <button type="button" className="btn btn-danger btn-big" onClick={() => ask('reject')}>{t('app.reject')}</button>}
        {actions.includes('withdraw') && <button type="button" className="btn btn-big" onClick={() => ask('withdraw')}>{t('app.withdraw')}</button>}
        {actions.includes('revoke') && <button type="button" className="btn btn-danger btn-big" onClick={() => ask('revoke')}>{t('app.revoke')}</button>}
      </div>
      {error && !confirm && <ErrorBox text={error} />}
      {actions.includes('record_stamping') && <RecordStamping id={id} remaining={remaining} onDone={onDone} />}

      <Dialog open={confirm !== null} title={confirm ? t(`app.confirmTitle_${confirm}`) : ''} onClose={() => !busy && setConfirm(null)} testid="confirm-dialog"
        footer={(
          <>
            <button type="button" className="btn" onClick={() => setConfirm(null)} disabled={busy}>{t('common.cancel')}</button>
            <button type="button" className={`btn ${confirm === 'approve' ? 'btn-primary' : 'btn-danger'}`} onClick={run} disabled={busy}>
              {busy ? t('common.loading') : confirm ? t(`app.confirm_${confirm}`) : ''}
            </button>
          </>
        )}>
        {(confirm === 'approve' || confirm === 'reject') && <p>{t(`app.confirmBody_${confirm}`)}<br /><strong>{t('app.opinion')}：</strong>{opinion}</p>}
        {confirm === 'withdraw' && <p>{t('app.confirmBody_withdraw')}</p>}
        {confirm === 'revoke' && (
          <FieldRow id="app-revoke-reason" label={t('app.revokeReason')} required>
            <textarea id="app-revoke-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          </FieldRow>
        )}
        {error && <p className="m-error" role="alert">{error}</p>}
      </Dialog>
    </section>
  );
}

/** 手工登记盖章: where no device is bound, the keeper records each stamping with a photo of the page. */
function RecordStamping({ id, remaining, onDone }: { id: string; remaining: number; onDone: () => Promise<void> }) {
  const { t } = useTranslation();
  const toast = useToast();
  const [impressions, setImpressions] = useState(String(Math.max(1, remaining)));
  const [stampedAt, setStampedAt] = useState('');
  const [note, setNote] = useState('');
  const [photo, setPhoto] = useState<PickedPhoto[]>([]);
  const [errors, setErrors] = useState<{ impressions?: string; photo?: string; stampedAt?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const e: typeof errors = {};
    const n = Number(impressions);
    if (!Number.isInteger(n) || n < 1) e.impressions = t('stamp.impressionsMin');
    else if (n > remaining) e.impressions = t('stamp.impressionsOver', { n: remaining });
    if (!photo[0]) e.photo = t('stamp.photoRequired');
    if (stampedAt && Number.isNaN(new Date(stampedAt).getTime())) e.stampedAt = t('stamp.timeInvalid');
    setErrors(e);
    if (Object.keys(e).length) return;
    const form = new FormData();
    form.append('data', JSON.stringify({ impressions: n, ...(stampedAt ? { stampedAt: new Date(stampedAt).toISOString() } : {}), ...(note.trim() ? { note: note.trim() } : {}) }));
    form.append('photo', photo[0]!.file, photo[0]!.file.name);
    setProgress(0);
    setError(null);
    try {
      expectOwn(id, 'stamped');
      await sendForm(`/api/applications/${id}/stampings`, form, setProgress);
      toast({ text: t('stamp.done', { n }), kind: 'success' });
      setPhoto([]);
      setNote('');
      await onDone();
    } catch (err) {
      setError(errorText(err, t));
    } finally {
      setProgress(null);
    }
  };

  return (
    <form className="m-subform" onSubmit={submit} noValidate aria-labelledby="stamp-title" data-testid="record-stamping">
      <h3 id="stamp-title">{t('stamp.title')}</h3>
      <p className="m-hint">{t('stamp.hint', { n: remaining })}</p>
      <FieldRow id="st-impressions" label={t('stamp.impressions')} error={errors.impressions} required>
        <input id="st-impressions" type="number" inputMode="numeric" min={1} max={remaining} value={impressions}
          onChange={(e) => setImpressions(e.target.value)} {...described('st-impressions', errors.impressions)} />
      </FieldRow>
      <PhotoPicker id="st-photo" testid="stamped-photo-field" label={t('stamp.photo')} photos={photo} onChange={setPhoto} multiple={false}
        error={errors.photo} hint={t('stamp.photoHint')} />
      <FieldRow id="st-at" label={t('stamp.stampedAt')} error={errors.stampedAt} hint={t('stamp.stampedAtHint')}>
        <input id="st-at" type="datetime-local" value={stampedAt} onChange={(e) => setStampedAt(e.target.value)} {...described('st-at', errors.stampedAt, true)} />
      </FieldRow>
      <FieldRow id="st-note" label={t('stamp.note')}>
        <textarea id="st-note" rows={2} maxLength={500} value={note} onChange={(e) => setNote(e.target.value)} />
      </FieldRow>
      {error && <div className="m-alert m-alert-error" role="alert">{error}</div>}
      {progress !== null && <progress value={Math.round(progress * 100)} max={100} aria-label={t('apply.uploading')} className="m-progress-bar" />}
      <button type="submit" className="btn btn-primary btn-block btn-big" disabled={progress !== null}>{t('stamp.submit')}</button>
    </form>
  );
}
