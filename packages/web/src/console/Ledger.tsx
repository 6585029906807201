import { Button, Card, Col, Input, Row, Space, Tag, type TableColumnsType } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatTime } from '../i18n';
import { api, qs } from '../lib/api';
import { APPLICATION_STATUSES, can, type LedgerEntry, type MatterEntry, type Page, type Seal } from '../lib/types';
import { useKeysetList, useUrlFilters } from '../lib/useKeysetList';
import { useLiveRefresh } from '../shell/live';
import { AppStatusTag, PageHead } from './bits';
import { useConsole } from './context';
import { LedgerDrawer } from './LedgerDrawer';
import { FilterSelect, KeysetTable } from './parts';
import { homeTown } from './townOf';

const KEYS = ['orgCode', 'sealId', 'from', 'to', 'matterCode', 'status', 'q', 'applicantUserId', 'approverUserId'] as const;
/** The people filters also carry a name, for the chip only (the API filters by id). */
const URL_KEYS = [...KEYS, 'applicantName', 'approverName'] as const;
type Filters = Partial<Record<(typeof URL_KEYS)[number], string>>;

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

/** 用印登记簿: every use of a seal, filtered through the address bar, newest first, a page at a time. */
export default function Ledger() {
  const { me, villages } = useConsole();
  const { t, i18n } = useTranslation();
  const { filters, setFilter, field } = useUrlFilters('/ledger', URL_KEYS);
  const list = useKeysetList<LedgerEntry>('/api/ledger', apiQuery(filters));
  const { reload } = list;
  const [qText, setQText] = useState(filters.q ?? '');
  const [open, setOpen] = useState<string | null>(null);
  const [seals, setSeals] = useState<Seal[]>([]);
  const [matters, setMatters] = useState<MatterEntry[]>([]);
  useLiveRefresh(reload, reload);
  const town = homeTown(me);

  useEffect(() => {
    let live = true;
    if (can(me, 'seal.read')) api.get<Page<Seal>>('/api/seals?limit=200').then((p) => live && setSeals(p.items)).catch(() => undefined);
    if (town) api.get<MatterEntry[]>(`/api/matters?town=${town}`).then((m) => live && setMatters(m)).catch(() => undefined);
    return () => {
      live = false;
    };
  }, [me, town]);

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
              <FilterSelect id="l-org" label={t('ledger.village')} {...field('orgCode')} search options={villages.map((v) => ({ value: v.code, label: v.name }))} />
            </Col>
            <Col xs={24} sm={12} lg={6}>
              <FilterSelect id="l-seal" label={t('ledger.seal')} {...field('sealId')} search
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
              <FilterSelect id="l-matter" label={t('ledger.matter')} {...field('matterCode')} search
                options={matters.map((m) => ({ value: m.code, label: i18n.language === 'en' ? m.nameEn : m.nameZh }))} />
            </Col>
            <Col xs={12} sm={6} lg={3}>
              <FilterSelect id="l-status" label={t('ledger.status')} {...field('status')} options={APPLICATION_STATUSES.map((s) => ({ value: s, label: t(`appStatus.${s}`) }))} />
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
      <KeysetTable<LedgerEntry> list={list} columns={columns} label={t('ledger.list')} testid="ledger-table" empty={t('ledger.empty')} moreTestid="load-more"
        onRow={(e) => ({ onClick: () => setOpen(e.id), className: 'cz-click-row' })} />
      <LedgerDrawer id={open} onClose={() => setOpen(null)} matterName={matterName} />
    </>
  );
}
