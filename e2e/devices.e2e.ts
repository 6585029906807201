/**
 * Smart-seal devices in the browser (issue 4), with the demo's virtual devices running inside
 * the server: apply → approve → the device stamps → the stamping and its photo appear; the case
 * opened → a critical alarm → the device locks itself; a one-tap lock while an authorization
 * is open → the device refuses to stamp; axe-core on the device screens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { applyOnPhone, approveFromInbox, approvedByApi, api, closeToasts, deviceCard, emulated, nav, press, typeCode, until, villageDevice, type Api } from './device-support.js';
import { axeSerious, DESKTOP, PEOPLE, PHONE, pagePhoto, shot, startHarness, uiLogin, withPage, type Harness } from './support.js';

let h: Harness;
let officer: Api;
let deviceId = '';

beforeAll(async () => {
  h = await startHarness({ virtualDevices: true });
  officer = await api(h, PEOPLE.station_officer.phone);
  const d = await until('the village device online', async () => {
    const v = await villageDevice(officer);
    return v.online ? v : null;
  });
  deviceId = d.id;
  // The demo devices allow stamping 07:00–20:00 (Asia/Shanghai): lift that so the file passes at any hour.
  if (d.hours) {
    const { command } = await officer.patch<{ command: { id: string } | null }>(`/api/devices/${deviceId}`, { hours: null });
    await until('the device to take the new hours', async () => {
      const detail = await officer.get<{ commands: { id: string; status: string }[] }>(`/api/devices/${deviceId}`);
      return detail.commands.find((c) => c.id === command!.id)?.status === 'acked';
    });
  }
});
afterAll(async () => {
  await officer?.dispose();
  await h?.close();
});

const TAMPER = '设备被拆/印章被取出';

interface Detail { application: { status: string }; stampings: { source: string; thumbUrl: string | null }[] }
interface AlarmRow { id: string; rule: string; severity: string; deviceId: string | null; autoLocked: boolean }

/** Records every text the one-tap button and the drawer's lock tag show, so a state that lasts one render is still seen. */
async function watchLock(page: Page): Promise<void> {
  await page.evaluate(() => {
    type El = { textContent: string | null; getAttribute(n: string): string | null };
    const w = globalThis as unknown as {
      czLockSeen: string[];
      document: { body: unknown; querySelector(s: string): El | null };
      MutationObserver: new (cb: () => void) => { observe(n: unknown, o: object): void };
    };
    w.czLockSeen = [];
    const note = (v: string | null | undefined) => {
      if (v && w.czLockSeen[w.czLockSeen.length - 1] !== v) w.czLockSeen.push(v);
    };
    new w.MutationObserver(() => {
      note(w.document.querySelector('[data-testid="device-lock"]')?.textContent);
      note(w.document.querySelector('[data-testid="device-detail"] [data-testid="lock"]')?.textContent);
    }).observe(w.document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

const lockSeen = (page: Page) => page.evaluate(() => (globalThis as unknown as { czLockSeen: string[] }).czLockSeen);

describe('smart-seal devices in the browser', () => {
  it('apply → approve → the virtual device stamps → the stamping appears live; its photo reaches the page and the ledger', async () => {
    const title = '家庭收入证明（设备盖章）';
    let appId = '';
    await withPage(h, 'dev-supervisor', DESKTOP, async (sup) => {
      await uiLogin(sup, 'supervisor');
      await withPage(h, 'dev-applicant', PHONE, async (applicant) => {
        await uiLogin(applicant, 'applicant');
        appId = await applyOnPhone(applicant, { reason: '申请低保需要家庭收入证明', title, pages: [await pagePhoto(applicant, '家庭收入证明', 7)] });
        await withPage(h, 'dev-approver', PHONE, async (approver) => {
          await uiLogin(approver, 'village_approver');
          await approveFromInbox(approver, appId, '同意，请到村委会印章柜盖章');
        });
        // The applicant's open page turns approved by itself and shows the code for the device.
        await applicant.locator('[data-testid="application"][data-status="approved"]').waitFor();
        const pass = applicant.getByTestId('pass-code');
        await pass.waitFor();
        const code = (await pass.textContent())!.replace(/\s/g, '');
        expect(code).toMatch(/^\d{6}$/);
        await applicant.getByTestId('pass-qr').waitFor();
        await closeToasts(applicant);
        await shot(applicant, 'devices-pass-375', { window: true });

        // The supervisor has the ledger open before the stamp: approved, nothing made yet.
        await nav(sup, '用印登记簿');
        const row = sup.getByTestId('ledger-table').locator('tr[data-row-key]').filter({ hasText: title });
        await row.locator('[data-testid="app-status"][data-status="approved"]').waitFor();
        await expect(row.textContent()).resolves.toContain('0 / 1');

        await withPage(h, 'dev-keeper-panel', PHONE, async (keeper) => {
          await uiLogin(keeper, 'seal_keeper');
          await nav(keeper, '虚拟设备');
          const card = deviceCard(keeper);
          // The signed authorization reached the device.
          await card.getByTestId('vd-auth').waitFor();
          const entered = await typeCode(card, code);
          expect(entered.ok, entered.text).toBe(true);
          expect(entered.text).toContain('通行码正确');
          const stamped = await press(card, 'stamp');
          expect(stamped.ok, stamped.text).toBe(true);
          expect(stamped.text).toContain('已盖第 1 次');
          await shot(keeper, 'devices-panel-stamped-375');
        });

        // Live on the applicant's open page, without reloading: stamped, by the device.
        await applicant.locator('[data-testid="application"][data-status="stamped"]').waitFor();
        await applicant.locator('[data-testid="stamping"][data-source="device"]').waitFor();
        await expect(applicant.getByTestId('stamping').textContent()).resolves.toContain('智能印章设备');
        // The device uploads its photo after the event is acknowledged; no live update follows the
        // upload, so the thumbnail shows when the page is opened again (see the report).
        await until('the device photo stored and thumbnailed', async () => (await officer.get<Detail>(`/api/applications/${appId}`)).stampings[0]?.thumbUrl);
        await nav(applicant, '我的申请');
        await applicant.locator(`[data-testid="application-card"][data-id="${appId}"][data-status="stamped"]`).click();
        const thumb = applicant.locator('[data-testid="stamping"][data-source="device"] img');
        await thumb.waitFor();
        await expect(thumb.evaluate((i) => (i as unknown as { naturalWidth: number }).naturalWidth)).resolves.toBeGreaterThan(0);
        await closeToasts(applicant);
        await shot(applicant, 'devices-stamped-375');

        // The ledger: stamped by the device, the photo beside the approved page.
        await sup.reload();
        await row.locator('[data-testid="app-status"][data-status="stamped"]').waitFor();
        await expect(row.textContent()).resolves.toContain('1 / 1');
        await row.getByTestId('ledger-open').click();
        const sides = sup.getByTestId('side-by-side');
        await sides.getByTestId('stamped-pages').locator('img').first().waitFor();
        await expect(sides.getByTestId('stamped-pages').textContent()).resolves.toContain('智能印章设备');
        await expect(sup.getByTestId('ledger-detail').textContent()).resolves.toContain(`设备 ${deviceId}`);
        await sup.waitForTimeout(300);
        await shot(sup, 'devices-ledger-desktop');
      });
    });
  });

  it('the case opened → a critical tamper alarm live → the device locks itself', async () => {
    await withPage(h, 'tamper-approver', PHONE, async (approver) => {
      await uiLogin(approver, 'village_approver');
      await nav(approver, '告警待办');
      await approver.getByTestId('alarm-box').waitFor();
      await withPage(h, 'tamper-officer', DESKTOP, async (desk) => {
        await uiLogin(desk, 'station_officer');
        await nav(desk, '告警中心');
        await desk.getByTestId('alarm-table').waitFor();
        await withPage(h, 'tamper-panel', PHONE, async (keeper) => {
          await uiLogin(keeper, 'seal_keeper');
          await nav(keeper, '虚拟设备');
          const opened = await press(deviceCard(keeper), 'open_case');
          expect(opened.ok, opened.text).toBe(true);
          await deviceCard(keeper).getByText('已开盖').waitFor();

          // The approver's phone: a red banner and the alarm in the box, the device locked by itself.
          await approver.getByTestId('critical-alarm').filter({ hasText: TAMPER }).waitFor();
          const card = approver.getByTestId('alarm-card').filter({ hasText: TAMPER });
          await card.waitFor();
          await expect(card.textContent()).resolves.toContain('紧急');
          await card.getByText('已自动锁定设备').waitFor();
          await card.locator('[data-testid="lock-button"][data-lock="locked"]').waitFor();
          await expect(card.getByTestId('lock-button').textContent()).resolves.toBe('已锁定');
          await shot(approver, 'devices-alarm-box-375');

          // 告警中心 on the desk: the row arrived live; its detail says the device locked itself.
          const row = desk.getByTestId('alarm-table').locator('tr.cz-click-row').filter({ hasText: TAMPER });
          await row.locator('[data-testid="severity"][data-value="critical"]').waitFor();
          await row.getByTestId('alarm-open').click();
          const drawer = desk.getByTestId('alarm-detail');
          await drawer.getByText('已自动锁定设备').waitFor();
          await drawer.locator('[data-testid="lock"][data-value="locked"]').waitFor();
          await expect(drawer.getByTestId('evidence').textContent()).resolves.toContain('开盖');
          await desk.waitForTimeout(300);
          await shot(desk, 'devices-alarm-detail-desktop');
          const alarms = await officer.get<{ items: AlarmRow[] }>(`/api/alarms?deviceId=${deviceId}&rule=tamper`);
          expect(alarms.items.map((a) => [a.severity, a.autoLocked])).toEqual([['critical', true]]);

          // 设备管理: the lock column says 已锁定 (the device acknowledged the automatic lock).
          await desk.keyboard.press('Escape');
          await drawer.waitFor({ state: 'hidden' });
          await nav(desk, '设备管理');
          const lock = desk.locator(`tr[data-row-key="${deviceId}"] [data-testid="lock"]`);
          await desk.locator(`tr[data-row-key="${deviceId}"] [data-testid="lock"][data-value="locked"]`).waitFor();
          await expect(lock.textContent()).resolves.toBe('已锁定');
          await expect(emulated(officer, deviceId)).resolves.toMatchObject({ state: 'alarm_locked' });

          // Close the case again for the next test.
          expect((await press(deviceCard(keeper), 'close_case')).ok).toBe(true);
        });
      });
    });
  });

  it('a one-tap lock while an authorization is open: locking… then locked, and the device refuses to stamp', async () => {
    // Arrange (through the API): unlock after the tamper, by a second person; a fresh approved application.
    const supervisor = await api(h, PEOPLE.supervisor.phone);
    const leader = await api(h, PEOPLE.town_leader.phone);
    const applicant = await api(h, PEOPLE.applicant.phone);
    const approver = await api(h, PEOPLE.village_approver.phone);
    const title = '收入证明（锁定后）';
    try {
      await supervisor.post(`/api/devices/${deviceId}/unlock-requests`, { reason: '已核查：开盖为测试，申请解锁' });
      const pending = (await leader.get<{ id: string; deviceId: string; status: string }[]>('/api/device-requests')).find((r) => r.deviceId === deviceId && r.status === 'pending');
      await leader.post(`/api/device-requests/${pending!.id}/decision`, { approve: true, opinion: '同意解锁' });
      await until('the device unlocked', async () => (await villageDevice(officer)).lockDisplay === 'unlocked' && (await emulated(officer, deviceId)).state === 'locked');

      await withPage(h, 'lock-panel', PHONE, async (keeper) => {
        await uiLogin(keeper, 'seal_keeper');
        const appId = await approvedByApi(applicant, approver, { title, page: await pagePhoto(keeper, '收入证明', 5) });
        const { code } = await applicant.get<{ code: string }>(`/api/applications/${appId}/device-pass`);
        await nav(keeper, '虚拟设备');
        const card = deviceCard(keeper);
        await card.getByTestId('vd-auth').waitFor();
        expect((await typeCode(card, code)).ok).toBe(true);

        await withPage(h, 'lock-supervisor', DESKTOP, async (desk) => {
          await uiLogin(desk, 'supervisor');
          await nav(desk, '设备管理');
          const rowLock = desk.locator(`tr[data-row-key="${deviceId}"] [data-testid="lock"]`);
          await desk.locator(`tr[data-row-key="${deviceId}"] [data-testid="lock"][data-value="unlocked"]`).waitFor();
          await desk.locator(`tr[data-row-key="${deviceId}"]`).getByTestId('device-open').click();
          const drawer = desk.getByTestId('device-detail');
          await drawer.locator('[data-testid="device-state"][data-value="authorized"]').waitFor();
          await watchLock(desk);
          await drawer.getByTestId('device-lock').click();
          await drawer.locator('[data-testid="lock"][data-value="locked"]').waitFor();
          await desk.locator(`tr[data-row-key="${deviceId}"] [data-testid="lock"][data-value="locked"]`).waitFor();
          await expect(rowLock.textContent()).resolves.toBe('已锁定');
          const seen = await lockSeen(desk);
          // "锁定中…" until the device acknowledged, then "已锁定".
          expect(seen).toContain('锁定中…');
          expect(seen.indexOf('已锁定')).toBeGreaterThan(seen.indexOf('锁定中…'));
          await drawer.getByTestId('device-unlock').waitFor();
          await desk.waitForTimeout(300);
          await shot(desk, 'devices-locked-desktop');
        });

        // At the device, the person with the code presses the seal: refused, the reason shown.
        const refused = await press(card, 'stamp');
        expect(refused.ok).toBe(false);
        expect(refused.text).toContain('设备拒绝');
        expect(refused.text).toContain('设备已被告警锁定');
        await card.getByTestId('vd-lock').filter({ hasText: '已锁定' }).waitFor();
        await closeToasts(keeper);
        await shot(keeper, 'devices-refused-375');

        // No impression in the ledger; the authorization is still unused.
        await nav(keeper, '用印登记簿');
        const row = keeper.getByTestId('ledger-table').locator('tr[data-row-key]').filter({ hasText: title });
        await row.locator('[data-testid="app-status"][data-status="approved"]').waitFor();
        // (On a phone the 已盖 / 准盖 column is hidden: the count is read from the API.)
        const detail = await officer.get<Detail>(`/api/applications/${appId}`);
        expect(detail.application.status).toBe('approved');
        expect(detail.stampings).toEqual([]);
      });
    } finally {
      for (const c of [supervisor, leader, applicant, approver]) await c.dispose();
    }
  });

  it('the devices console, alarms console, virtual-device panel and phone alarm box pass axe at 375 px and 1366 px', async () => {
    const found: string[] = [];
    const screens: [string, string, string][] = [
      ['设备管理', 'device-table', 'devices'], ['告警中心', 'alarm-table', 'alarms'], ['虚拟设备', 'virtual-device', 'panel'], ['告警待办', 'alarm-card', 'alarm-box'],
    ];
    await Promise.all(([['375', PHONE], ['1366', DESKTOP]] as const).map(([vp, viewport]) => withPage(h, `dev-a11y-${vp}`, viewport, async (page) => {
      await uiLogin(page, 'station_officer');
      for (const [link, testid, name] of screens) {
        await nav(page, link);
        await page.getByTestId(testid).first().waitFor();
        if (name === 'devices') await page.locator(`tr[data-row-key="${deviceId}"]`).waitFor();
        await page.waitForTimeout(300);
        found.push(...(await axeSerious(page, `${name}-${vp}`)));
        // Nothing wider than the phone: a sideways scroll hides buttons off the screen.
        const wide = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
        if (wide > viewport.width) found.push(`[${name}-${vp}] the page is ${wide} px wide`);
        await shot(page, `devices-a11y-${name}-${vp}`, { window: vp === '1366' });
      }
    })));
    expect(found, found.join('\n')).toEqual([]);
  });
});
