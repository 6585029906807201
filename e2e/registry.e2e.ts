/**
 * The seal registry end to end, as the town's economic management station (镇经管站)
 * would use it: issue a seal for 前鹤山村, file it, name its keeper, upload the
 * impression, activate it, hand it over after a village election, suspend and
 * re-activate it, declare it lost and retire it — checking the status and the history
 * after every step, and the refusals the server gives for steps the state forbids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiAs, apiLogin, DESKTOP, PEOPLE, pickOption, sealPng, shot, startHarness, VILLAGE, withPage, pageGet, type Harness, type PageWindow } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const statusOf = (page: Page) => page.getByTestId('seal-detail').locator('.cz-page-head [data-testid="seal-status"]');

async function expectStatus(page: Page, label: string): Promise<void> {
  await page.locator('.cz-page-head [data-testid="seal-status"]', { hasText: label }).waitFor();
  await expect(statusOf(page).textContent()).resolves.toBe(label);
}

/** Opens a lifecycle step's form, fills it and submits. */
async function step(page: Page, action: string, fill: (modal: ReturnType<Page['getByRole']>) => Promise<void> = async () => undefined): Promise<void> {
  await page.getByTestId(`action-${action}`).click();
  const modal = page.getByRole('dialog');
  await modal.waitFor();
  await fill(modal);
  await modal.getByTestId('action-submit').click();
  await modal.waitFor({ state: 'hidden' });
}

/** The history timeline, newest first, as audit action codes. */
const history = (page: Page) => page.getByTestId('history-item').evaluateAll((els: { getAttribute(n: string): string | null }[]) => els.map((e) => e.getAttribute('data-action')));

/** A state-changing call from inside the page, the way the app makes it (CSRF header from the cookie). */
const pageCall = (page: Page, path: string, body: unknown) => page.evaluate(async ({ path, body }) => {
  const csrf = (globalThis as unknown as PageWindow).document.cookie.split('; ').find((c) => c.startsWith('cz_csrf='))?.slice(8) ?? '';
  const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': decodeURIComponent(csrf) }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() as { error?: { code: string; message: string } } };
}, { path, body });

describe('seal registry', () => {
  it('lists the town\'s 92 seals page by page and filters them by village, status and name', async () => {
    await withPage(h, 'registry-list', DESKTOP, async (page, context) => {
      await apiLogin(h, context, PEOPLE.station_officer.phone);
      await page.goto('/seals');
      await page.getByTestId('seal-link').first().waitFor();
      await expect(page.getByTestId('seal-link').count()).resolves.toBe(50);
      await page.getByTestId('load-more').click();
      await page.getByText('已显示 92 条').waitFor();
      await expect(page.getByTestId('seal-link').count()).resolves.toBe(92);
      await expect(page.getByTestId('load-more').count()).resolves.toBe(0);

      // Village filter through the address bar (what the village select writes).
      await page.goto(`/seals?orgCode=${VILLAGE}`);
      await page.getByText('已显示 2 条').waitFor();
      const names = await page.getByTestId('seal-link').allTextContents();
      const fromApi = (await pageGet<{ items: { name: string; orgCode: string }[] }>(page, `/api/seals?orgCode=${VILLAGE}`)).items;
      expect(fromApi.map((s) => s.orgCode)).toEqual([VILLAGE, VILLAGE]);
      expect(names.sort()).toEqual(fromApi.map((s) => s.name).sort());

      // The status select.
      await page.goto('/seals');
      await page.getByTestId('seal-link').first().waitFor();
      await page.getByLabel('状态').click();
      await pickOption(page, '已注销');
      await page.waitForURL(/status=retired/);
      await page.getByText('已显示 0 条').waitFor();

      // The name search.
      await page.goto('/seals');
      await page.getByLabel('名称或备案号').fill('后鹤山');
      await page.getByRole('button', { name: /搜\s*索/ }).click();
      await page.waitForURL(/q=/);
      await page.getByText('已显示 2 条').waitFor();
    });
  });

  it('takes a seal through its whole life: issue, file, keeper, impression, activate, hand over, suspend, activate, lose, retire', async () => {
    // Arrange the people: the village keeper 王保管, and a new keeper elected in 前鹤山村
    // (the system administrator opens the account, the security administrator grants the role).
    const keeperApi = await apiAs(h, PEOPLE.seal_keeper.phone);
    const keeperId = (await keeperApi.get<{ user: { id: string } }>('/api/me')).user.id;
    await keeperApi.dispose();
    const sys = await apiAs(h, PEOPLE.sys_admin.phone);
    const sec = await apiAs(h, PEOPLE.sec_admin.phone);
    const newKeeper = await sys.post<{ id: string; name: string }>('/api/users', { name: '钱新任', phone: '13700000077', password: 'Baoguan@2026', orgCode: VILLAGE });
    await sec.post(`/api/users/${newKeeper.id}/grants`, { role: 'seal_keeper', orgCode: VILLAGE });
    // The registry's keepers can also be found by name through the people list.
    const keepers = await sys.get<{ items: { id: string; name: string }[] }>(`/api/users?q=${encodeURIComponent('保管')}&limit=200`);
    expect(keepers.items.map((u) => u.id)).toContain(keeperId);
    await sys.dispose();
    await sec.dispose();

    await withPage(h, 'registry-lifecycle', DESKTOP, async (page, context) => {
      await apiLogin(h, context, PEOPLE.station_officer.phone);
      await page.goto('/seals');
      await page.getByTestId('seal-link').first().waitFor();

      // 制发
      await page.getByTestId('create-seal').click();
      const modal = page.getByRole('dialog');
      await modal.waitFor();
      await modal.getByLabel('印章类型').click();
      await pickOption(page, '党支部印章');
      await modal.getByTitle('党支部印章').waitFor();
      await modal.getByLabel('所属村（社区）').fill('前鹤山');
      await pickOption(page, /前鹤山村委会/);
      await modal.getByTitle(/前鹤山村委会/).waitFor();
      await expect.poll(() => modal.getByLabel('制发机关').inputValue()).toBe('鹤山镇人民政府');
      await modal.getByLabel('制发机关').fill('宁阳县鹤山镇人民政府');
      await modal.getByTestId('create-submit').click();
      await page.getByTestId('seal-detail').waitFor();
      await expectStatus(page, '已制发');
      const sealId = (await page.getByTestId('seal-detail').getAttribute('data-seal-id'))!;
      const created = (await pageGet<{ seal: { name: string; typeCode: string; orgCode: string } }>(page, `/api/seals/${sealId}`)).seal;
      expect(created).toMatchObject({ typeCode: 'party_branch', orgCode: VILLAGE });
      expect(created.name).toMatch(/前鹤山.*支部/);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toContain(created.name);
      expect(page.url()).toContain(`/seals/${sealId}`);
      expect(await history(page)).toEqual(['SEAL_ISSUED']);
      await expect(page.getByTestId('history').textContent()).resolves.toContain('制发');

      // 备案
      await step(page, 'file', (m) => m.getByLabel('备案号').fill('鹤公备201D2026'));
      await expectStatus(page, '已备案');
      await expect(page.getByTestId('filing-number').textContent()).resolves.toBe('鹤公备201D2026');

      // Activation needs a keeper: the server refuses and the form says so.
      await page.getByTestId('action-activate').click();
      await page.getByRole('dialog').getByTestId('action-submit').click();
      await page.getByTestId('action-error').waitFor();
      await expect(page.getByTestId('action-error').textContent()).resolves.toContain('违反管理规定');
      await page.getByRole('dialog').getByRole('button', { name: /取\s*消/ }).click();
      await page.getByRole('dialog').waitFor({ state: 'hidden' });

      // Keeper picked from the village's keepers (/api/seal-candidates): PATCH.
      await page.getByLabel('保管人', { exact: true }).click();
      await pickOption(page, '王保管');
      await page.getByTestId('custody-save').click();
      await page.getByTestId('keeper-name').filter({ hasText: '王保管' }).waitFor();
      expect((await history(page))[0]).toBe('SEAL_UPDATED');

      // 印模
      await page.locator('#impression-file').setInputFiles({ name: 'impression.png', mimeType: 'image/png', buffer: await sealPng(page) });
      const img = page.getByTestId('impression');
      await img.waitFor();
      await expect.poll(() => img.evaluate((el) => (el as unknown as { naturalWidth: number }).naturalWidth)).toBe(160);
      await expect(img.getAttribute('src')).resolves.toMatch(/^\/api\/blobs\/[0-9a-f]{64}$/);

      // 启用
      await step(page, 'activate');
      await expectStatus(page, '在用');

      // 移交 after the election, with a witness (监交人)
      await step(page, 'hand_over', async (m) => {
        await m.getByLabel('接收人（新保管人）').click();
        await pickOption(page, '钱新任');
        await m.getByLabel('监交人').fill('赵书记');
        await m.getByLabel('备注').fill('村委换届后移交');
      });
      await expectStatus(page, '已移交');
      await expect(page.getByTestId('keeper-name').textContent()).resolves.toBe('钱新任');
      const slip = page.getByTestId('handover-slip');
      await expect(slip.count()).resolves.toBe(1);
      for (const text of ['王保管', '钱新任', '赵书记', '村委换届后移交']) await expect(slip.textContent()).resolves.toContain(text);

      // 停用, then 启用 again
      await step(page, 'suspend', (m) => m.getByLabel('原因').fill('设备检修'));
      await expectStatus(page, '已停用');
      await step(page, 'activate');
      await expectStatus(page, '在用');

      // A stale screen: someone else suspends the seal meanwhile; this screen's 停用 is refused with 409.
      const other = await pageCall(page, `/api/seals/${sealId}/suspend`, { reason: '另一窗口停用' });
      expect(other.status).toBe(200);
      await page.getByTestId('action-suspend').click();
      await page.getByRole('dialog').getByLabel('原因').fill('重复停用');
      await page.getByRole('dialog').getByTestId('action-submit').click();
      await page.getByTestId('action-error').waitFor();
      const refusal = (await page.getByTestId('action-error').textContent())!;
      expect(refusal).toContain('当前状态不允许此操作');
      expect(refusal).toContain('cannot suspend a seal that is suspended');
      await page.getByRole('dialog').getByRole('button', { name: /取\s*消/ }).click();
      await page.reload();
      await expectStatus(page, '已停用');

      // 遗失作废
      await step(page, 'declare_lost', async (m) => {
        await m.getByLabel('原因').fill('保管中遗失，已报警');
        await m.getByLabel('遗失声明编号（可选）').fill('泰安日报2026-11-27');
      });
      await expectStatus(page, '遗失作废');

      // 注销: the form insists on two different witnesses before it asks the server.
      await page.getByTestId('action-retire').click();
      const retire = page.getByRole('dialog');
      await retire.getByLabel('原因').fill('遗失作废后注销');
      await retire.getByLabel('销毁').check();
      await retire.getByLabel(/见证人/).fill('赵书记');
      await retire.getByTestId('action-submit').click();
      await page.getByText('至少填写两名不同的见证人').waitFor();
      await retire.getByLabel(/见证人/).fill('赵书记，吴纪委');
      await retire.getByTestId('action-submit').click();
      await retire.waitFor({ state: 'hidden' });
      await expectStatus(page, '已注销');
      await page.getByText('当前状态下没有可办理的事项。').waitFor();
      await expect(page.getByTestId('action-activate').count()).resolves.toBe(0);

      // The whole life in the history, newest first, with Chinese names.
      expect(await history(page)).toEqual([
        'SEAL_RETIRED', 'SEAL_DECLARED_LOST', 'SEAL_SUSPENDED', 'SEAL_ACTIVATED', 'SEAL_SUSPENDED', 'SEAL_HANDED_OVER',
        'SEAL_ACTIVATED', 'SEAL_UPDATED', 'SEAL_UPDATED', 'SEAL_FILED', 'SEAL_ISSUED',
      ]);
      const timeline = (await page.getByTestId('history').textContent())!;
      for (const word of ['注销', '遗失作废', '停用', '启用', '移交', '修改', '备案', '制发', '赵书记、吴纪委', '销毁']) expect(timeline).toContain(word);
      await shot(page, 'seal-detail-retired-desktop');

      // An illegal step straight at the API from the page: activating a retired seal.
      const illegal = await pageCall(page, `/api/seals/${sealId}/activate`, {});
      expect(illegal.status).toBe(409);
      expect(illegal.body.error?.code).toBe('ILLEGAL_TRANSITION');

      // And the registry lists it as retired.
      await page.goto(`/seals?orgCode=${VILLAGE}&status=retired`);
      await page.getByText('已显示 1 条').waitFor();
      await expect(page.getByTestId('seal-link').textContent()).resolves.toBe(created.name);
    });
  });

  it('shows village staff a read-only seal page without lifecycle buttons', async () => {
    await withPage(h, 'registry-readonly', DESKTOP, async (page, context) => {
      await apiLogin(h, context, PEOPLE.seal_keeper.phone);
      await page.goto('/seals');
      await page.getByTestId('seal-link').first().waitFor();
      // A village keeper sees only its own village's seals.
      const orgs = await page.evaluate(async () => ((await (await fetch('/api/seals?limit=200')).json()) as { items: { orgCode: string }[] }).items.map((s) => s.orgCode));
      expect(new Set(orgs)).toEqual(new Set([VILLAGE]));
      await page.getByTestId('seal-link').first().click();
      await page.getByTestId('seal-detail').waitFor();
      await page.getByText('您只能查看此印章，不能办理。').waitFor();
      await expect(page.locator('[data-testid^="action-"]').count()).resolves.toBe(0);
      await expect(page.locator('#impression-file').count()).resolves.toBe(0);
      // And the station officer's town-level route is closed to the village: no people screen.
      await page.goto('/people');
      await page.getByRole('heading', { name: '页面不存在' }).waitFor();
    });
  });
});
