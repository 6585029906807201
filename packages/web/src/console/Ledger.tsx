import { Alert, Button, Card, Col, Descriptions, Drawer, Empty, Grid, Image, Input, Row, Select, Space, Table, Tag, type TableColumnsType } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, qs } from '../lib/api';
import { errorText } from '../lib/errors';
import { navigate, searchOf, usePath } from '../lib/router';
import { APPLICATION_STATUSES, can, type LedgerDetailView, type LedgerEntry, type Listing, type MatterEntry, type Page, type Seal } from '../lib/types';
import { useLiveRefresh } from '../shell/live';
import { PageHead } from './bits';
import { useConsole } from './context';
import { homeTown } from './townOf';

const PAGE = 50;
const KEYS = ['orgCode', 'sealId', 'from', 'to', 'matterCode', 'status', 'q', 'applicantUserId', 'approverUserId'] as const;
type Key = (typeof KEYS)[number];
type Filters = Partial<Record<Key | 'applicantName' | 'approverName', string>>;

/** The API's query: dates (yyyy-mm-dd, local) become instants; display-only names are left out. */
function apiQuery(f: Filters): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k of KEYS) out[k] = f[k];
  if (f.from) out.from = new Date(`${f.from}T00:00:00`).toISOString();
  if (f.to) {
    const end = new Date(`${f.to}T00:00:00`);
    end.setDate(end.getDate() + 1);
    out.to = end.toISOString();
  }
  return out;
}

export const APP_STATUS_COLOR: Record<string, string> = {
  pending: '#0b57d0', approved: '#237804', stamped: '#434343', rejected: '#a8071a', withdrawn: '#595959', expired: '#ad4e00', revoked: '#8c1d18',
};

export function AppStatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return <Tag variant="solid" color={APP_STATUS_COLOR[status] ?? '#434343'} data-testid="app-status" data-status={status}>{t(`appStatus.${status}`)}</Tag>;
}

/** 用印登记簿: every use of a seal, filtered through the address bar, newest first, a page at a time. */
export default function Ledger() {
  const { me, villages } = useConsole();
  const { t, i18n } = useTranslation();
  const path = usePath();
  const search = searchOf(path).toString();
  const filters = useMemo<Filters>(() => {
    const p = new URLSearchParams(search);
    const f: Filters = {};
    for (const k of [...KEYS, 'applicantName', 'approverName'] as const) {
      const v = p.get(k);
      if (v) f[k] = v;
    }
    return f;
  }, [search]);
  const [rows, setRows] = useState<LedgerEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [qText, setQText] = useState(filters.q ?? '');
  const [open, setOpen] = useState<string | null>(null);
  const [seals, setSeals] = useState<Seal[]>([]);
  const [matters, setMatters] = useState<MatterEntry[]>([]);
  const [tick, setTick] = useState(0);
  useLiveRefresh(() => setTick((n) => n + 1), () => setTick((n) => n + 1));
  const town = homeTown(me);

  useEffect(() => {
    let live = true;
    if (can(me, 'seal.read')) api.get<Page<Seal>>('/api/seals?limit=200').then((p) => live && setSeals(p.items)).catch(() => undefined);
    if (town) api.get<MatterEntry[]>(`/api/matters?town=${town}`).then((m) => live && setMatters(m)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [me, town]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    api.get<Listing<LedgerEntry>>(`/api/ledger${qs({ ...apiQuery(filters), limit: PAGE })}`)
      .then((p) => {
        if (!live) return;
        setRows(p.items);
        setNext(p.next);
      })
      .catch((e: unknown) => live && setError(errorText(e, t)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [filters, t, tick]);

  const setFilter = (patch: Filters) => navigate(`/ledger${qs({ ...filters, ...patch })}`, { replace: true });

  const loadMore = async () => {
    if (!next) return;
    setLoading(true);
    try {
      const p = await api.get<Listing<LedgerEntry>>(`/api/ledger${qs({ ...apiQuery(filters), limit: PAGE, cursor: next })}`);
      setRows((r) => [...r, ...p.items]);
      setNext(p.next);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setLoading(false);
    }
  };

  const matterName = (code: string) => {
    const m = matters.find((x) => x.code === code);
    return m ? (i18n.language === 'en' ? m.nameEn : m.nameZh) : code;
  };
  const person = (id: string | null, name: string | null, key: 'applicant' | 'approver') => (id && name ? (
    <Button type="link" size="small" className="cz-person-link" title={t('ledger.filterBy', { name })}
      onClick={(e) => { e.stopPropagation(); setFilter(key === 'applicant' ? { applicantUserId: id, applicantName: name } : { approverUserId: id, approverName: name }); }}>
      {name}
    </Button>
  ) : t('common.none'));

  const columns: TableColumnsType<LedgerEntry> = [
    { key: 'serial', title: t('ledger.serialNo'), dataIndex: 'serialNo', width: 80, render: (n: number) => <span data-testid="serial-no">{n}</span> },
    { key: 'at', title: t('ledger.at'), render: (_: unknown, e) => formatTime(e.createdAt), responsive: ['md'] },
    { key: 'org', title: t('ledger.village'), dataIndex: 'orgName', responsive: ['lg'] },
    { key: 'seal', title: t('ledger.seal'), dataIndex: 'sealName', responsive: ['xl'] },
    { key: 'matter', title: t('ledger.matter'), render: (_: unknown, e) => matterName(e.matterCode), responsive: ['lg'] },
    {
      key: 'title', title: t('ledger.document'),
      render: (_: unknown, e) => <Button type="link" className="cz-row-open" onClick={() => setOpen(e.id)} data-testid="ledger-open">{e.documentTitle}</Button>,
    },
    { key: 'count', title: t('ledger.copiesImpressions'), render: (_: unknown, e) => `${e.copies} / ${e.impressions}`, responsive: ['xl'] },
    { key: 'made', title: t('ledger.made'), render: (_: unknown, e) => `${e.impressionsMade} / ${e.impressionsAllowed ?? '—'}`, responsive: ['md'] },
    {
      key: 'applicant', title: t('ledger.applicant'), responsive: ['md'],
      render: (_: unknown, e) => <>{person(e.applicantUserId, e.applicantName, 'applicant')}{e.onBehalfOfName && <span className="cz-sub-block">{t('ledger.forVillager', { name: e.onBehalfOfName })}</span>}</>,
    },
    {
      key: 'approver', title: t('ledger.approver'), responsive: ['lg'],
      render: (_: unknown, e) => <>{person(e.decidedBy, e.decidedByName, 'approver')}{e.decidedForName && <span className="cz-sub-block">{t('ledger.deputyFor', { name: e.decidedForName })}</span>}</>,
    },
    { key: 'status', title: t('ledger.status'), render: (_: unknown, e) => <AppStatusTag status={e.status} />, width: 100 },
    {
      key: 'way', title: t('ledger.way'), responsive: ['xl'],
      render: (_: unknown, e) => (e.impressionsMade === 0 ? t('common.none') : e.keeperRecorded ? t('ledger.keeperRecorded') : t('ledger.device', { id: e.deviceId ?? '' })),
    },
  ];

  const exportQuery = qs(apiQuery(filters));
  const chips: { key: string; label: string; clear: Filters }[] = [];
  if (filters.applicantUserId) {
    chips.push({ key: 'applicant', label: `${t('ledger.applicant')}：${filters.applicantName ?? filters.applicantUserId}`, clear: { applicantUserId: undefined, applicantName: undefined } });
  }
  if (filters.approverUserId) {
    chips.push({ key: 'approver', label: `${t('ledger.approver')}：${filters.approverName ?? filters.approverUserId}`, clear: { approverUserId: undefined, approverName: undefined } });
  }

  return (
    <>
      <PageHead title={t('ledger.title')} subtitle={t('ledger.subtitle')}
        extra={can(me, 'ledger.export') && (
          <Space wrap>
            <Button href={`/api/ledger/export.xlsx${exportQuery}`} download data-testid="export-xlsx">{t('ledger.exportXlsx')}</Button>
            <Button href={`/api/ledger/export.pdf${exportQuery}`} download data-testid="export-pdf">{t('ledger.exportPdf')}</Button>
          </Space>
        )} />
      <Card size="small" className="cz-filters">
        <form role="search" aria-label={t('ledger.filters')} onSubmit={(e) => { e.preventDefault(); setFilter({ q: qText.trim() || undefined }); }}>
          <Row gutter={[12, 8]} align="bottom">
            <Col xs={24} sm={12} lg={6}>
              <label htmlFor="l-org" className="cz-label">{t('ledger.village')}</label>
              <Select id="l-org" className="cz-full" allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('common.all')}
                value={filters.orgCode} onChange={(v?: string) => setFilter({ orgCode: v || undefined })}
                options={villages.map((v) => ({ value: v.code, label: v.name }))} />
            </Col>
            <Col xs={24} sm={12} lg={6}>
              <label htmlFor="l-seal" className="cz-label">{t('ledger.seal')}</label>
              <Select id="l-seal" className="cz-full" allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('common.all')}
                value={filters.sealId} onChange={(v?: string) => setFilter({ sealId: v || undefined })}
                options={seals.filter((s) => !filters.orgCode || s.orgCode.startsWith(filters.orgCode)).map((s) => ({ value: s.id, label: s.name }))} />
            </Col>
            <Col xs={12} sm={6} lg={3}>
              <label htmlFor="l-from" className="cz-label">{t('ledger.from')}</label>
              <Input id="l-from" type="date" value={filters.from ?? ''} onChange={(e) => setFilter({ from: e.target.value || undefined })} />
            </Col>
            <Col xs={12} sm={6} lg={3}>
              <label htmlFor="l-to" className="cz-label">{t('ledger.to')}</label>
              <Input id="l-to" type="date" value={filters.to ?? ''} onChange={(e) => setFilter({ to: e.target.value || undefined })} />
            </Col>
            <Col xs={12} sm={6} lg={3}>
              <label htmlFor="l-matter" className="cz-label">{t('ledger.matter')}</label>
              <Select id="l-matter" className="cz-full" allowClear showSearch={{ optionFilterProp: 'label' }} placeholder={t('common.all')}
                value={filters.matterCode} onChange={(v?: string) => setFilter({ matterCode: v || undefined })}
                options={matters.map((m) => ({ value: m.code, label: i18n.language === 'en' ? m.nameEn : m.nameZh }))} />
            </Col>
            <Col xs={12} sm={6} lg={3}>
              <label htmlFor="l-status" className="cz-label">{t('ledger.status')}</label>
              <Select id="l-status" className="cz-full" allowClear placeholder={t('common.all')} value={filters.status}
                onChange={(v?: string) => setFilter({ status: v || undefined })}
                options={APPLICATION_STATUSES.map((s) => ({ value: s, label: t(`appStatus.${s}`) }))} />
            </Col>
            <Col xs={24} lg={12}>
              <label htmlFor="l-q" className="cz-label">{t('ledger.q')}</label>
              <div className="cz-search-row">
                <Input id="l-q" value={qText} onChange={(e) => setQText(e.target.value)} placeholder={t('ledger.qPlaceholder')} maxLength={100} allowClear />
                <Button htmlType="submit">{t('common.search')}</Button>
              </div>
            </Col>
            {chips.length > 0 && (
              <Col xs={24} lg={12}>
                <Space wrap>
                  {chips.map((c) => (
                    <Tag key={c.key} closable onClose={() => setFilter(c.clear)} closeIcon={<span aria-label={t('ledger.clearFilter', { name: c.label })}>×</span>}>{c.label}</Tag>
                  ))}
                </Space>
              </Col>
            )}
          </Row>
        </form>
      </Card>
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ margin: '12px 0' }} />}
      <Table<LedgerEntry> className="cz-table" rowKey="id" columns={columns} dataSource={rows} loading={loading} pagination={false}
        size="middle" aria-label={t('ledger.list')} data-testid="ledger-table" locale={{ emptyText: t('ledger.empty') }}
        onRow={(e) => ({ onClick: () => setOpen(e.id), className: 'cz-click-row' })} />
      <div className="cz-more">
        <span role="status">{t('common.shown', { n: rows.length })}</span>
        {next ? <Button onClick={loadMore} loading={loading} data-testid="load-more">{t('common.loadMore')}</Button> : rows.length > 0 && <span>{t('common.noMore')}</span>}
      </div>
      <LedgerDrawer id={open} onClose={() => setOpen(null)} matterName={matterName} />
    </>
  );
}

/** One entry: its fields, and the approved pages beside the photos of the stamped pages. */
function LedgerDrawer({ id, onClose, matterName }: { id: string | null; onClose: () => void; matterName: (code: string) => string }) {
  const { t } = useTranslation();
  const [detail, setDetail] = useState<LedgerDetailView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const wide = !!Grid.useBreakpoint().lg;

  useEffect(() => {
    if (!id) return;
    let live = true;
    setDetail(null);
    setError(null);
    api.get<LedgerDetailView>(`/api/ledger/${encodeURIComponent(id)}`)
      .then((d) => live && setDetail(d))
      .catch((e: unknown) => live && setError(errorText(e, t)));
    return () => {
      live = false;
    };
  }, [id, t]);

  const e = detail?.entry;
  return (
    <Drawer open={!!id} onClose={onClose} size={wide ? 960 : '100%'} title={e ? `${t('ledger.serialNo')} ${e.serialNo} · ${e.documentTitle}` : t('ledger.detail')}
      closable={{ 'aria-label': t('common.close') }} data-testid="ledger-detail">
      {error && <Alert type="error" title={error} showIcon role="alert" />}
      {!detail && !error && <p role="status">{t('common.loading')}</p>}
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
            <Col xs={24} md={12}>
              <h3>{t('ledger.approvedPages', { n: detail.pages.length })}</h3>
              {detail.pages.length === 0 ? <Empty description={t('common.empty')} /> : (
                <Image.PreviewGroup>
                  <div className="cz-shots" data-testid="approved-pages">
                    {detail.pages.map((p) => (
                      <figure key={p.pageNo}>
                        <Image src={p.thumbUrl} preview={{ src: p.photoUrl }} alt={t('apply.pageAlt', { n: p.pageNo })} />
                        <figcaption>{t('apply.pageN', { n: p.pageNo })} · <span className="cz-mono" title={p.sm3}>SM3 {p.sm3.slice(0, 10)}…</span></figcaption>
                      </figure>
                    ))}
                  </div>
                </Image.PreviewGroup>
              )}
            </Col>
            <Col xs={24} md={12}>
              <h3>{t('ledger.stampedPages', { n: detail.stampings.length })}</h3>
              {detail.stampings.length === 0 ? <Empty description={t('ledger.noStampings')} /> : (
                <Image.PreviewGroup>
                  <div className="cz-shots" data-testid="stamped-pages">
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
                  </div>
                </Image.PreviewGroup>
              )}
            </Col>
          </Row>
        </>
      )}
    </Drawer>
  );
}
