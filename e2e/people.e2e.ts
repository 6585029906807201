/**
 * 三员分立 on the people screen: the system administrator creates an account, the
 * security administrator grants it the keeper role on 前鹤山村委会 (and is refused a
 * combination the rules forbid), the new keeper logs in and turns on a second factor
 * from the workbench. Axe checks the screen and its dialogs at phone and desktop widths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticator } from 'otplib';
import type { Page } from 'playwright-core';
import { apiLogin, axeSerious, DESKTOP, PEOPLE, PHONE, pickOption, shot, startHarness, withPage, type Harness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const NEW = { name: '孔新章', phone: '13912345678', masked: '139****5678' };

async function openPeople(page: Page): Promise<void> {
  await page.goto('/people');
  await page.getByTestId('people-table').waitFor();
  await page.getByTestId('person-name').first().waitFor();
}

/** The row of one person, found through the search box. */
async function findRow(page: Page, name: string) {
  await page.getByRole('textbox', { name: '姓名或手机号' }).fill(name);
  await page.getByRole('button', { name: /^搜\s*索$/ }).click();
  const row = page.locator('tr.ant-table-row').filter({ has: page.getByTestId('person-name').getByText(name, { exact: true }) });
  await row.waitFor();
  return row;
}

describe.sequential('people screen for the three separated administrators', () => {
  it('the system administrator creates an account; a bad mobile number is refused on its field', async () => {
    await withPage(h, 'people-create', DESKTOP, async (page, context) => {
      await apiLogin(h, context, PEOPLE.sys_admin.phone);
      await openPeople(page);
      expect(await axeSerious(page, 'people desktop (sys_admin)')).toEqual([]);
      // The system administrator creates and disables, but does not grant roles.
      await expect(page.getByTestId('manage-roles').count()).resolves.toBe(0);

      await page.getByTestId('create-person').click();
      const modal = page.getByRole('dialog');
      await modal.getByLabel('姓名').fill(NEW.name);
      await modal.getByLabel('手机号').fill('12345');
      await modal.getByLabel('初始密码').fill('Heshan@2026');
      await modal.getByLabel('所属单位').fill('前鹤山');
      await pickOption(page, /前鹤山村委会/);
      await page.getByTestId('create-person-submit').click();
      const phoneItem = modal.locator('.ant-form-item').filter({ has: page.getByLabel('手机号') });
      await phoneItem.locator('.ant-form-item-explain-error').filter({ hasText: /mainland mobile|手机/ }).waitFor();
      // The message fades in: judge its contrast once the motion is over, not half-way.
      await modal.locator('.ant-form-show-help-item-appear').waitFor({ state: 'detached' });
      expect(await axeSerious(page, 'create dialog desktop')).toEqual([]);
      await shot(page, 'people-create-error', { window: true });

      await modal.getByLabel('手机号').fill(NEW.phone);
      await page.getByTestId('create-person-submit').click();
      await modal.waitFor({ state: 'hidden' });
      const row = await findRow(page, NEW.name);
      await expect(row.getByTestId('person-phone').textContent()).resolves.toBe(NEW.masked);
      await expect(row.textContent()).resolves.not.toContain(NEW.phone);
      await shot(page, 'people-created', { window: true });
    });
  });

  it('the security administrator grants the keeper role, is refused applicant on the town, and revokes a grant', async () => {
    await withPage(h, 'people-grant', PHONE, async (page, context) => {
      await apiLogin(h, context, PEOPLE.sec_admin.phone);
      await openPeople(page);
      // The security administrator grants roles but does not create accounts.
      await expect(page.getByTestId('create-person').count()).resolves.toBe(0);
      expect(await axeSerious(page, 'people 375 (sec_admin)')).toEqual([]);
      const row = await findRow(page, NEW.name);
      await row.getByTestId('manage-roles').click();
      const modal = page.getByRole('dialog');
      await modal.getByText('授予新角色').waitFor();

      const grant = async (role: string, unit: string, pick: RegExp) => {
        await modal.getByLabel('角色', { exact: true }).click();
        await pickOption(page, role);
        await modal.getByLabel('授权单位').fill(unit);
        await pickOption(page, pick);
        await page.getByTestId('grant-submit').click();
      };

      await grant('印章保管人', '前鹤山', /前鹤山村委会/);
      await modal.locator('[data-testid="person-grant"][data-role="seal_keeper"]').waitFor();
      await expect(modal.getByTestId('person-grant').filter({ hasText: '印章保管人' }).textContent()).resolves.toContain('前鹤山村委会');

      // Applicant is a village role: the server's rule is shown.
      await grant('申请人', '鹤山镇', /^鹤山镇/);
      const refusal = page.getByTestId('grant-error');
      await refusal.waitFor();
      await expect(refusal.textContent()).resolves.toMatch(/违反管理规定|填写有误/);
      expect(await axeSerious(page, 'grant dialog 375')).toEqual([]);
      await shot(page, 'people-grant-refused');

      // A second role, then revoked: the keeper role stays.
      await grant('监督人员', '鹤山镇', /^鹤山镇/);
      const supervisor = modal.locator('[data-testid="person-grant"][data-role="supervisor"]');
      await supervisor.waitFor();
      await supervisor.getByTestId('revoke').click();
      await page.locator('.ant-popconfirm').getByRole('button', { name: /确\s*定/ }).click();
      await supervisor.waitFor({ state: 'detached' });
      await expect(modal.getByTestId('person-grant').count()).resolves.toBe(1);
      await shot(page, 'people-grants');
    });
  });

  it('the new keeper logs in, sees the keeper workbench and turns on a second factor from the home page', async () => {
    await withPage(h, 'people-keeper-totp', PHONE, async (page, context) => {
      await apiLogin(h, context, NEW.phone);
      await page.goto('/');
      const home = page.getByTestId('home');
      await home.waitFor();
      await expect(home.getAttribute('data-role')).resolves.toBe('seal_keeper');
      await expect(page.getByTestId('grant').first().textContent()).resolves.toContain('印章保管人');
      await expect(page.getByTestId('totp-state').getAttribute('data-enabled')).resolves.toBe('false');

      await page.getByTestId('totp-enable').click();
      const modal = page.getByRole('dialog');
      const secret = (await modal.getByTestId('totp-secret').textContent())!.trim();
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      await expect(modal.getByTestId('totp-qr').getAttribute('src')).resolves.toMatch(/^data:image\/svg\+xml;base64,/);
      expect(await axeSerious(page, 'totp dialog 375')).toEqual([]);
      await shot(page, 'home-totp-enrol');
      await modal.getByLabel('6 位动态码').fill(authenticator.generate(secret));
      await page.getByTestId('totp-enable-submit').click();
      await modal.waitFor({ state: 'hidden' });
      await page.locator('[data-testid="totp-state"][data-enabled="true"]').waitFor();
      await expect(page.getByTestId('totp-state').textContent()).resolves.toBe('已启用二次验证');
      await expect(page.getByTestId('totp-enable').count()).resolves.toBe(0);
    });
  });
});
