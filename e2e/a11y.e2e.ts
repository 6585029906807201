/**
 * Every screen at phone width (375 px) and at desktop width: axe-core must find no
 * serious or critical violation, and a screenshot of each lands in e2e/artifacts/.
 * Along the way: log-out from the phone drawer, the people list and the audit trail
 * with its hash-chain check.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Page } from 'playwright-core';
import { apiLogin, axeSerious, DESKTOP, PASSWORD, PEOPLE, PHONE, shot, startHarness, totpFor, uiLogin, VILLAGE, withPage, type Harness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const VIEWPORTS = [['375', PHONE], ['desktop', DESKTOP]] as const;

/** Follows a link of the main navigation (from the drawer on a phone), without reloading the app. */
async function nav(page: Page, name: string): Promise<void> {
  const menu = page.getByRole('button', { name: '打开菜单' });
  if (await menu.isVisible()) {
    await menu.click();
    await page.getByRole('dialog').getByRole('link', { name }).click();
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  } else {
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name }).click();
  }
}

/** Lets antd finish its entrance animations, then checks and photographs the screen. */
async function check(page: Page, name: string, found: string[]): Promise<void> {
  await page.waitForTimeout(300);
  found.push(...(await axeSerious(page, name)));
  // A dialog floats over the window: photograph the window, not the whole page behind it.
  await shot(page, name, { window: await page.getByRole('dialog').isVisible() });
}

// The two widths work in separate browser contexts: run them side by side.
describe.concurrent('accessibility and screenshots', () => {
  for (const [vp, viewport] of VIEWPORTS) {
    it(`log-in, TOTP, workbench, registry, seal, people and audit screens pass axe at ${vp}`, async ({ expect }) => {
      const found: string[] = [];
      await withPage(h, `a11y-${vp}`, viewport, async (page) => {
        // Log-in, then the TOTP step of an administrator.
        await page.goto('/');
        await page.getByLabel('手机号').waitFor();
        await check(page, `login-${vp}`, found);
        await page.getByLabel('手机号').fill(PEOPLE.sys_admin.phone);
        await page.getByLabel('密码').fill(PASSWORD);
        await page.getByRole('button', { name: '登录' }).click();
        await page.getByLabel('6 位动态码').waitFor();
        await check(page, `totp-${vp}`, found);
        await page.getByLabel('6 位动态码').fill(await totpFor(PEOPLE.sys_admin.phone));
        await page.getByRole('button', { name: '验证' }).click();
        await page.getByTestId('home').waitFor();
        await check(page, `home-sys_admin-${vp}`, found);

        // Log out (from the drawer on a phone) and come back as the supervisor, who may see every screen.
        if (vp === '375') {
          await page.getByRole('button', { name: '打开菜单' }).click();
          await page.getByRole('dialog').waitFor();
          await check(page, `menu-${vp}`, found);
          await page.getByRole('dialog').getByRole('button', { name: /退出登录/ }).click();
        } else {
          await page.getByRole('button', { name: /退出登录/ }).click();
        }
        await page.getByRole('heading', { name: '登录' }).waitFor();
        await uiLogin(page, 'supervisor');
        await page.getByTestId('grant').filter({ hasText: '鹤山镇' }).waitFor();
        await check(page, `home-${vp}`, found);

        // The registry and one seal.
        await page.getByTestId('tile-seals').click();
        await page.getByTestId('seal-link').first().waitFor();
        await check(page, `registry-${vp}`, found);
        await page.getByTestId('seal-link').first().click();
        await page.getByTestId('seal-detail').waitFor();
        await page.getByTestId('history-item').first().waitFor();
        await check(page, `seal-${vp}`, found);

        // People (numbers masked).
        await nav(page, '人员');
        await page.getByTestId('person-name').first().waitFor();
        const names = await page.getByTestId('person-name').allTextContents();
        expect(names).toContain('孙经管');
        await expect(page.getByTestId('people-table').textContent()).resolves.not.toMatch(/1380000000\d/);
        await check(page, `people-${vp}`, found);

        // The audit trail and its hash-chain check.
        await nav(page, '审计日志');
        await page.getByTestId('audit-action').first().waitFor();
        // The supervisor's own log-in is among the newest entries (other tests may log in meanwhile).
        const newest = await page.getByTestId('audit-action').evaluateAll((els: { getAttribute(n: string): string | null }[]) => els.slice(0, 10).map((e) => e.getAttribute('data-action')));
        expect(newest).toContain('LOGIN_SUCCEEDED');
        await page.getByTestId('verify-chain').click();
        const result = page.getByTestId('verify-result');
        await result.waitFor();
        await expect(result.getAttribute('data-ok')).resolves.toBe('true');
        await expect(result.textContent()).resolves.toMatch(/哈希链完整：已校验 \d+ 条记录/);
        await check(page, `audit-${vp}`, found);
      });

      // The station officer's working screens: a seal with its steps and forms, a step's dialog, the issue form.
      await withPage(h, `a11y-manage-${vp}`, viewport, async (page, context) => {
        await apiLogin(h, context, PEOPLE.station_officer.phone);
        await page.goto(`/seals?orgCode=${VILLAGE}`);
        await page.getByTestId('seal-link').first().waitFor();
        await page.getByTestId('seal-link').first().click();
        await page.getByTestId('action-suspend').waitFor();
        await check(page, `seal-manage-${vp}`, found);
        await page.getByTestId('action-hand_over').click();
        await page.getByRole('dialog').getByLabel('监交人').waitFor();
        await check(page, `handover-dialog-${vp}`, found);
        await page.getByRole('dialog').getByRole('button', { name: /取\s*消/ }).click();
        await page.getByRole('dialog').waitFor({ state: 'hidden' });
        await page.getByRole('link', { name: /返回台账/ }).click();
        await page.getByTestId('create-seal').click();
        await page.getByRole('dialog').getByLabel('制发机关').waitFor();
        await check(page, `issue-dialog-${vp}`, found);
      });

      expect(found, found.join('\n')).toEqual([]);
    });
  }

  it('the log-in screen and workbench pass axe in English too', async ({ expect }) => {
    const found: string[] = [];
    await withPage(h, 'a11y-en', PHONE, async (page) => {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
      await check(page, 'login-en-375', found);
      await uiLogin(page, 'village_approver');
      await page.getByRole('heading', { level: 1, name: 'Village approver workbench' }).waitFor();
      await check(page, 'home-en-375', found);
    }, { lang: 'en' });
    expect(found, found.join('\n')).toEqual([]);
  });
});
