/**
 * Plumbing for the device browser tests (devices.e2e.ts): the demo's virtual device on
 * 前鹤山村's village committee seal, the 虚拟设备 panel, the phone flows of applying and
 * approving, and an API client for arranging what a test does not show.
 */
import { request, type APIRequestContext, type Locator, type Page } from 'playwright-core';
import { apiLogin, shot, VILLAGE, type Harness } from './support.js';

/** The demo device bound to 前鹤山村's village committee seal (server/src/demo/virtual-devices.ts). */
export const DEVICE_LABEL = '前鹤山村村委会印章柜';

/** Polls `probe` until it returns a truthy value, or fails naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T>, ms = 20_000, every = 200): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export interface DeviceRow { id: string; label: string; orgCode: string; lockDisplay: string; state: string | null; online: boolean; lockWanted: boolean; hours: unknown }
export interface DemoRow { id: string; label: string; state: string | null; online: boolean; caseOpen: boolean; authorization: { auth: string; identity: boolean } | null }

/** A logged-in API client with its own cookie jar, for arranging data around a UI test. */
export async function api(h: Harness, phone: string) {
  const ctx: APIRequestContext = await request.newContext({ baseURL: h.url });
  await apiLogin(h, ctx, phone);
  const csrf = (await ctx.storageState()).cookies.find((c) => c.name === 'cz_csrf')?.value ?? '';
  const call = async <T>(method: string, path: string, opts: { data?: unknown; multipart?: Record<string, string | { name: string; mimeType: string; buffer: Buffer }> } = {}): Promise<T> => {
    const r = await ctx.fetch(path, { method, ...(method === 'GET' ? {} : { headers: { 'x-csrf-token': csrf }, ...(opts.multipart ? { multipart: opts.multipart } : { data: opts.data ?? {} }) }) });
    if (!r.ok()) throw new Error(`${method} ${path}: ${r.status()} ${await r.text()}`);
    return (r.status() === 204 ? undefined : await r.json()) as T;
  };
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, data?: unknown) => call<T>('POST', path, { data }),
    patch: <T>(path: string, data?: unknown) => call<T>('PATCH', path, { data }),
    multipart: <T>(path: string, multipart: Record<string, string | { name: string; mimeType: string; buffer: Buffer }>) => call<T>('POST', path, { multipart }),
    dispose: () => ctx.dispose(),
  };
}
export type Api = Awaited<ReturnType<typeof api>>;

/** The platform's view of the village device. */
export async function villageDevice(client: Api): Promise<DeviceRow> {
  const list = await client.get<{ items: DeviceRow[] }>('/api/devices?limit=200');
  const d = list.items.find((x) => x.label === DEVICE_LABEL && x.orgCode === VILLAGE);
  if (!d) throw new Error(`no device ${DEVICE_LABEL} in ${list.items.map((x) => x.label).join(', ')}`);
  return d;
}

/** The emulator's view of the village device (the panel's API). */
export async function emulated(client: Api, id: string): Promise<DemoRow> {
  const d = (await client.get<DemoRow[]>('/api/demo/devices')).find((x) => x.id === id);
  if (!d) throw new Error(`virtual device ${id} not on the panel`);
  return d;
}

/** Follows a link of the main navigation (from the drawer on a phone), without reloading the app. */
export async function nav(page: Page, name: string): Promise<void> {
  const menu = page.getByRole('button', { name: '打开菜单' });
  if (await menu.isVisible()) {
    await menu.click();
    await page.getByRole('dialog').getByRole('link', { name, exact: true }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  } else {
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name, exact: true }).click();
  }
}

/** 申请用印 on the phone with photographed pages; returns the new application's id. */
export async function applyOnPhone(page: Page, o: { reason: string; title: string; pages: Buffer[]; shot?: string }): Promise<string> {
  await nav(page, '申请用印');
  await page.getByTestId('apply-form').waitFor();
  await page.getByLabel('事项').selectOption({ label: '收入证明' });
  await page.getByLabel('事由').fill(o.reason);
  await page.getByLabel('文件名称').fill(o.title);
  await page.getByLabel('盖章次数').fill('1');
  await page.locator('#ap-pages').setInputFiles(o.pages.map((buffer, i) => ({ name: `page-${i + 1}.jpg`, mimeType: 'image/jpeg', buffer })));
  await page.getByTestId('pages-field').locator('img').nth(o.pages.length - 1).waitFor();
  if (o.shot) await shot(page, o.shot);
  await page.getByTestId('apply-submit').click();
  await page.locator('[data-testid="application"][data-status="pending"]').waitFor();
  return (await page.getByTestId('application').getAttribute('data-id'))!;
}

/** The approver opens the application from 待我审批 and approves it with an opinion. */
export async function approveFromInbox(page: Page, id: string, opinion: string): Promise<void> {
  await nav(page, '待我审批');
  await page.getByTestId('box-inbox').waitFor();
  await page.locator(`[data-testid="application-card"][data-id="${id}"]`).click();
  await page.locator(`[data-testid="application"][data-id="${id}"]`).waitFor();
  await page.getByLabel('审批意见').fill(opinion);
  await page.getByTestId('actions').getByRole('button', { name: '批准', exact: true }).click();
  await page.getByTestId('confirm-dialog').getByRole('button', { name: '确认批准' }).click();
  await page.locator('[data-testid="application"][data-status="approved"]').waitFor();
}

/** Files and approves a 收入证明 application through the API (arrangement, not under test). */
export async function approvedByApi(applicant: Api, approver: Api, o: { title: string; page: Buffer }): Promise<string> {
  const opts = await applicant.get<{ seals: { id: string; orgCode: string; typeCode: string }[] }>('/api/apply-options');
  const seal = opts.seals.find((s) => s.orgCode === VILLAGE && s.typeCode === 'village_committee') ?? opts.seals[0]!;
  const app = await applicant.multipart<{ id: string }>('/api/applications', {
    data: JSON.stringify({ sealId: seal.id, matterCode: 'cert_income', reason: '申请临时救助需要收入证明', documentTitle: o.title, copies: 1, impressions: 1 }),
    page: { name: 'p1.jpg', mimeType: 'image/jpeg', buffer: o.page },
  });
  await approver.post(`/api/applications/${app.id}/decision`, { decision: 'approve', opinion: '同意' });
  return app.id;
}

/** The village device's card on the 虚拟设备 panel. */
export function deviceCard(page: Page): Locator {
  return page.locator('[data-testid="virtual-device"]').filter({ hasText: DEVICE_LABEL });
}

/** Presses a button of the card; returns the emulator's answer and the panel's status line in words. */
export async function press(card: Locator, action: string): Promise<{ ok: boolean; text: string }> {
  const button = card.getByTestId(`vd-${action}`);
  const [res] = await Promise.all([
    card.page().waitForResponse((r) => r.request().method() === 'POST' && /\/api\/demo\/devices\/[^/]+\/actions$/.test(r.url())),
    button.click(),
  ]);
  const { ok } = (await res.json()) as { ok: boolean };
  // The answer and the button's release render together: once it is enabled again, the line is current.
  await card.locator(`[data-testid="vd-${action}"]:not([disabled])`).waitFor();
  return { ok, text: (await card.getByTestId('vd-message').textContent()) ?? '' };
}

/** Types the pass code on the card and sends it; returns the panel's answer. */
export async function typeCode(card: Locator, code: string): Promise<{ ok: boolean; text: string }> {
  await card.getByLabel('通行码').fill(code);
  return press(card, 'code');
}

/** Closes the notices floating over the top of the screen, before a screenshot for the docs. */
export async function closeToasts(page: Page): Promise<void> {
  const close = page.getByTestId('toast').getByRole('button');
  for (let i = 0; i < 8 && (await close.count()) > 0; i++) await close.first().click().catch(() => undefined);
}
