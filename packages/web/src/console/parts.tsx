import { Alert, Button, Drawer, Form, Grid, Modal, Select, Table, type TableProps } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../lib/errors';
import type { KeysetList } from '../lib/useKeysetList';

// Parts shared by the desk's screens: a list's filters and table, the drawer one row opens in,
// and the modal form of a change. One module, so the desk loads them as one small file.

/** A labelled, clearable select over one filter (useUrlFilters' `field(k)` gives value and onChange). */
export function FilterSelect({ id, label, value, onChange, options, search = false }: {
  id: string; label: string; value: string | undefined; onChange: (v?: string | null) => void;
  options: { value: string; label: string }[]; search?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      <label htmlFor={id} className="cz-label">{label}</label>
      <Select id={id} className="cz-full" allowClear placeholder={t('common.all')} value={value} onChange={onChange} options={options}
        {...(search ? { showSearch: { optionFilterProp: 'label' } } : {})} />
    </>
  );
}

type RowProps<T> = Pick<TableProps<T>, 'columns' | 'onRow' | 'rowClassName'>;

/**
 * A keyset list as a table: its error, its rows, how many are shown and "load more" while
 * there is a next page. `quiet`: a reload keeps the rows without a spinner (live lists).
 */
export function KeysetTable<T extends { id: string }>({ list, label, testid, empty, quiet = false, moreTestid, errorTestid, ...rows }: RowProps<T> & {
  list: KeysetList<T>; label: string; testid: string; empty: string; quiet?: boolean; moreTestid?: string; errorTestid?: string;
}) {
  const { t } = useTranslation();
  const { items, next, loading, error } = list;
  return (
    <>
      {error && <Alert type="error" title={error} showIcon role="alert" style={{ margin: '12px 0' }} data-testid={errorTestid} />}
      <Table<T> className="cz-table" rowKey="id" dataSource={items} loading={loading && (!quiet || items.length === 0)} pagination={false}
        size="middle" aria-label={label} data-testid={testid} locale={{ emptyText: empty }} {...rows} />
      <div className="cz-more">
        <span role="status">{t('common.shown', { n: items.length })}</span>
        {next
          ? <Button onClick={() => void list.loadMore()} loading={loading} data-testid={moreTestid}>{t('common.loadMore')}</Button>
          : items.length > 0 && <span>{t('common.noMore')}</span>}
      </div>
    </>
  );
}

/**
 * The drawer one record of a list opens in: full width on a phone, its error, "loading" until
 * the record is there (`ready`), then the record.
 */
export function DetailDrawer({ open, onClose, width, title, testid, error, ready, children }: {
  open: boolean; onClose: () => void; width: number; title: ReactNode; testid: string; error: string | null; ready: boolean; children?: ReactNode;
}) {
  const { t } = useTranslation();
  const wide = !!Grid.useBreakpoint().lg;
  return (
    <Drawer open={open} onClose={onClose} size={wide ? width : '100%'} title={title} closable={{ 'aria-label': t('common.close') }} data-testid={testid}>
      {error && <Alert type="error" title={error} showIcon role="alert" />}
      {!ready && !error && <p role="status">{t('common.loading')}</p>}
      {children}
    </Drawer>
  );
}

/**
 * A modal form with the server's refusal shown in it: `submit` gets the checked values; the
 * caller closes the modal when it succeeds (a refusal leaves it open, with the reason).
 */
export function FormModal<V extends object>({ title, okText, danger, onClose, submit, children, initial, testid, errorTestid = 'form-error' }: {
  title: string; okText?: string; danger?: boolean; onClose: () => void; submit: (v: V) => Promise<void>; children: ReactNode; initial?: Partial<V>;
  /** The modal's test id; its OK button's is `${testid}-ok`. */
  testid: string; errorTestid?: string;
}) {
  const { t } = useTranslation();
  const [form] = Form.useForm<V>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const finish = async (v: V) => {
    setBusy(true);
    setError(null);
    try {
      await submit(v);
    } catch (e) {
      setError(errorText(e, t));
      setBusy(false);
    }
  };
  return (
    <Modal open title={title} onCancel={onClose} okText={okText ?? t('common.submit')} cancelText={t('common.cancel')} onOk={() => form.submit()}
      confirmLoading={busy} destroyOnHidden okButtonProps={{ danger: !!danger, 'data-testid': `${testid}-ok` }} data-testid={testid}>
      <Form form={form} layout="vertical" onFinish={finish} initialValues={initial as object} requiredMark>
        {children}
        {error && <Alert type="error" title={error} showIcon role="alert" data-testid={errorTestid} />}
      </Form>
    </Modal>
  );
}
