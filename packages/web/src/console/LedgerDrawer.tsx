import { Col, Descriptions, Empty, Image, Row } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api } from '../lib/api';
import type { LedgerDetailView } from '../lib/types';
import { useLoad } from '../shell/ui';
import { AppStatusTag } from './bits';
import { DetailDrawer } from './parts';

/** One entry: its fields, and the approved pages beside the photos of the stamped pages. */
export function LedgerDrawer({ id, onClose, matterName }: { id: string | null; onClose: () => void; matterName: (code: string) => string }) {
  const { t } = useTranslation();
  const { data, error } = useLoad(() => (id ? api.get<LedgerDetailView>(`/api/ledger/${encodeURIComponent(id)}`) : Promise.resolve(null)), [id]);
  // The entry shown a moment ago stays out while the next one loads.
  const detail = data?.entry.id === id ? data : null;

  const e = detail?.entry;
  return (
    <DetailDrawer open={!!id} onClose={onClose} width={960} title={e ? `${t('ledger.serialNo')} ${e.serialNo} · ${e.documentTitle}` : t('ledger.detail')}
      testid="ledger-detail" error={error} ready={!!detail}>
      {detail && e && (
        <>
          <Descriptions size="small" bordered column={{ xs: 1, md: 2 }} items={[
            { key: 'status', label: t('ledger.status'), children: <AppStatusTag status={e.status} /> },
            { key: 'at', label: t('ledger.at'), children: formatTime(e.createdAt) },
            { key: 'org', label: t('ledger.village'), children: e.orgName },
            { key: 'seal', label: t('ledger.seal'), children: e.sealName },
            { key: 'matter', label: t('ledger.matter'), children: matterName(e.matterCode) },
            { key: 'reason', label: t('apply.reason'), children: e.reason },
            { key: 'count', label: t('ledger.copiesImpressions'), children: `${e.copies} / ${e.impressions}` },
            { key: 'made', label: t('ledger.made'), children: `${e.impressionsMade} / ${e.impressionsAllowed ?? '—'}` },
            { key: 'applicant', label: t('ledger.applicant'), children: e.onBehalfOfName ? t('app.forVillager', { name: e.onBehalfOfName, clerk: e.applicantName }) : e.applicantName },
            { key: 'approver', label: t('ledger.approver'), children: e.decidedForName ? t('app.deputyFor', { name: e.decidedByName ?? '—', for: e.decidedForName }) : (e.decidedByName ?? t('common.none')) },
            { key: 'opinion', label: t('app.opinion'), children: e.opinion ?? t('common.none') },
            { key: 'decided', label: t('app.decidedAt'), children: formatTime(e.decidedAt) },
            { key: 'valid', label: t('ledger.validUntil'), children: formatTime(e.validUntil) },
            { key: 'last', label: t('ledger.lastStamped'), children: formatTime(e.lastStampedAt) },
            { key: 'way', label: t('ledger.way'), children: e.impressionsMade === 0 ? t('common.none') : e.keeperRecorded ? t('ledger.keeperRecorded') : t('ledger.device', { id: e.deviceId ?? '' }) },
            { key: 'words', label: t('ledger.contractWords'), children: e.contractWords.length ? e.contractWords.join('、') : t('common.none') },
          ]} />
          <Row gutter={16} className="cz-gap" data-testid="side-by-side">
            <Shots title={t('ledger.approvedPages', { n: detail.pages.length })} empty={detail.pages.length ? null : t('common.empty')} testid="approved-pages">
              {detail.pages.map((p) => (
                <figure key={p.pageNo}>
                  <Image src={p.thumbUrl} preview={{ src: p.photoUrl }} alt={t('apply.pageAlt', { n: p.pageNo })} />
                  <figcaption>{t('apply.pageN', { n: p.pageNo })} · <span className="cz-mono" title={p.sm3}>SM3 {p.sm3.slice(0, 10)}…</span></figcaption>
                </figure>
              ))}
            </Shots>
            <Shots title={t('ledger.stampedPages', { n: detail.stampings.length })} empty={detail.stampings.length ? null : t('ledger.noStampings')} testid="stamped-pages">
              {detail.stampings.map((s) => (
                <figure key={s.id}>
                  {s.thumbUrl ? <Image src={s.thumbUrl} preview={s.photoUrl ? { src: s.photoUrl } : false} alt={t('app.stampedPhoto')} /> : <div className="cz-nophoto">{t('ledger.noPhoto')}</div>}
                  <figcaption>
                    {formatTime(s.stampedAt)} · {t('app.impressionsN', { n: s.impressions })} · {t(`app.source_${s.source}`)}{s.operatorName ? ` · ${s.operatorName}` : ''}
                    {s.matchedPageNo !== null && <> · {t('app.matchedPage', { n: s.matchedPageNo, d: s.phashDistance ?? '—' })}</>}
                    {s.matchedPageNo === null && s.phashDistance !== null && <> · <strong data-testid="page-mismatch">{t('app.noPageMatch', { d: s.phashDistance })}</strong></>}
                    {s.note && <> · {s.note}</>}
                  </figcaption>
                </figure>
              ))}
            </Shots>
          </Row>
        </>
      )}
    </DetailDrawer>
  );
}

/** One side of the drawer: a heading, then its photos (enlarged on a click) or a word that there are none. */
function Shots({ title, empty, testid, children }: { title: string; empty: string | null; testid: string; children: ReactNode }) {
  return (
    <Col xs={24} md={12}>
      <h3>{title}</h3>
      {empty !== null ? <Empty description={empty} /> : (
        <Image.PreviewGroup>
          <div className="cz-shots" data-testid={testid}>{children}</div>
        </Image.PreviewGroup>
      )}
    </Col>
  );
}
