import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import { linkClick } from '../lib/router';
import { can, type ApplicationView, type Listing } from '../lib/types';
import { useConsole } from '../console/context';
import { useLiveRefresh } from '../shell/live';
import { Empty, ErrorBox, Loading, PageTitle, StatusBadge } from '../shell/ui';

export type Box = 'mine' | 'inbox' | 'queue';
const PAGE = 30;

/** One application as a card in a list; the whole card opens it. */
export function ApplicationCard({ a, from }: { a: ApplicationView; from: Box }) {
  const { t } = useTranslation();
  const href = `/applications/${a.id}?from=${from}`;
  return (
    <li>
      <a className="m-card m-app" href={href} onClick={linkClick(href)} data-testid="application-card" data-id={a.id} data-status={a.status}>
        <span className="m-app-top">
          <strong className="m-app-title">{a.documentTitle}</strong>
          <StatusBadge status={a.status} />
        </span>
        <span className="m-app-line">{a.matterName} · {a.sealName}</span>
        <span className="m-app-line m-muted">
          {from !== 'mine' && <>{a.onBehalfOfName ? t('app.forVillager', { name: a.onBehalfOfName, clerk: a.applicantName }) : a.applicantName} · </>}
          {t('app.impressionsN', { n: a.impressions })} · {formatTime(a.createdAt)}
        </span>
        {a.contractWords.length > 0 && <span className="m-app-line m-warn-text">{t('app.contractFlag', { words: a.contractWords.join('、') })}</span>}
      </a>
    </li>
  );
}

/** 我的申请 / 待我审批 / 待盖章: the three phone lists, newest or oldest first as the server orders them. */
export default function Boxes({ box }: { box: Box }) {
  const { t } = useTranslation();
  const { me } = useConsole();
  const [items, setItems] = useState<ApplicationView[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const l = await api.get<Listing<ApplicationView>>(`/api/applications${qs({ box, limit: PAGE })}`);
      setItems(l.items);
      setNext(l.next);
      setError(null);
    } catch (e) {
      setError(errorText(e, t));
    }
  }, [box, t]);

  useEffect(() => {
    void load();
  }, [load]);
  useLiveRefresh(() => void load(), () => void load());

  const more = async () => {
    if (!next) return;
    setBusy(true);
    try {
      const l = await api.get<Listing<ApplicationView>>(`/api/applications${qs({ box, limit: PAGE, cursor: next })}`);
      setItems((xs) => [...(xs ?? []), ...l.items.filter((x) => !xs?.some((y) => y.id === x.id))]);
      setNext(l.next);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="m-page" data-testid={`box-${box}`}>
      <PageTitle title={t(`nav.${box}`)} sub={t(`boxes.${box}Sub`)} />
      {error && <ErrorBox text={error} onRetry={load} />}
      {!items && !error && <Loading />}
      {items && items.length === 0 && (
        <Empty text={t(`boxes.${box}Empty`)}>
          {box === 'mine' && can(me, 'application.create') && <a className="btn btn-primary" href="/apply" onClick={linkClick('/apply')}>{t('nav.apply')}</a>}
        </Empty>
      )}
      {items && items.length > 0 && (
        <>
          <ul className="m-list" aria-label={t(`nav.${box}`)}>
            {items.map((a) => <ApplicationCard key={a.id} a={a} from={box} />)}
          </ul>
          <div className="m-more">
            <span role="status">{t('common.shown', { n: items.length })}</span>
            {next && <button type="button" className="btn" onClick={more} disabled={busy}>{busy ? t('common.loading') : t('common.loadMore')}</button>}
          </div>
        </>
      )}
    </section>
  );
}
