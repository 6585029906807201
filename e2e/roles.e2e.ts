/**
 * Every demo role logs in through the log-in screen (administrators through the TOTP
 * step) and lands on its own workbench; an administrator without a second factor enrols
 * one; the English switch changes the language and is remembered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticator } from 'otplib';
import { apiAs, DESKTOP, PASSWORD, PEOPLE, PHONE, startHarness, totpCode, totpFor, TOWN, uiLogin, VILLAGE, withPage, pageGet, type DemoRole, type Harness, type PageWindow } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The screens each role's permissions open (GET /api/me permissions → tiles). */
const TILES: Record<DemoRole, string[]> = {
  applicant: ['apply', 'mine'],
  service_clerk: ['apply', 'mine', 'certificate', 'ledger', 'seals'],
  seal_keeper: ['inbox', 'queue', 'myDevices', 'ledger', 'seals', 'devices', 'alarms'],
  village_approver: ['inbox', 'alarmBox', 'delegations', 'ledger', 'seals', 'devices', 'alarms', 'deviceRequests'],
  station_officer: ['inbox', 'queue', 'alarmBox', 'ledger', 'matters', 'seals', 'devices', 'alarms', 'alarmRules', 'deviceRequests'],
  town_leader: ['inbox', 'alarmBox', 'ledger', 'matters', 'seals', 'devices', 'alarms', 'alarmRules', 'deviceRequests'],
  supervisor: ['alarmBox', 'ledger', 'seals', 'devices', 'alarms', 'people', 'audit'],
  auditor: ['ledger', 'seals', 'devices', 'alarms'],
  sys_admin: ['people'],
  sec_admin: ['devices', 'alarms', 'deviceRequests', 'people'],
  audit_admin: ['people', 'audit'],
};

// Independent people in their own browser contexts: run them side by side.
describe.concurrent('role workbenches', () => {
  for (const role of Object.keys(PEOPLE) as DemoRole[]) {
    const who = PEOPLE[role];
    it(`${role} (${who.zh}) logs in${who.totp ? ' with TOTP' : ''} and sees the ${who.zh} workbench`, async ({ expect }) => {
      await withPage(h, `role-${role}`, role === 'seal_keeper' || role === 'applicant' ? PHONE : DESKTOP, async (page) => {
        await uiLogin(page, role);
        const home = page.getByTestId('home');
        await expect(home.getAttribute('data-role')).resolves.toBe(role);
        await expect(page.getByRole('heading', { level: 1, name: `${who.zh}工作台` }).isVisible()).resolves.toBe(true);
        await expect(home.textContent()).resolves.toContain(`您好，${who.name}`);
        await expect(page.getByTestId('demo-badge').textContent()).resolves.toBe('演示模式 DEMO');
        // Roles with their unit: 镇 roles on 鹤山镇, village roles on 前鹤山村委会.
        const grant = page.getByTestId('grant').first();
        await grant.waitFor();
        await expect(grant.textContent()).resolves.toContain(who.zh);
        const unit = ['applicant', 'service_clerk', 'seal_keeper', 'village_approver'].includes(role) ? '前鹤山村委会' : '鹤山镇';
        await page.getByTestId('grant').filter({ hasText: unit }).waitFor();
        // Exactly the tiles the role's permissions allow.
        const tiles = await page.locator('[data-testid^="tile-"]').evaluateAll((els: { getAttribute(n: string): string | null }[]) => els.map((e) => e.getAttribute('data-testid')!.slice(5)));
        expect(tiles).toEqual(TILES[role]);
        // The keeper's workbench lists the seal it keeps; the approver's the seal it approves.
        if (role === 'seal_keeper' || role === 'village_approver') {
          const [villageSeal] = (await pageGet<{ items: { name: string }[] }>(page, `/api/seals?orgCode=${VILLAGE}&typeCode=village_committee`)).items;
          expect(villageSeal?.name).toMatch(/前鹤山/);
          await expect(page.getByTestId(role === 'seal_keeper' ? 'my-seals' : 'my-approvals').textContent()).resolves.toContain(villageSeal!.name);
        }
      });
    });
  }
});

describe('log-in refusals and enrolment', () => {
  it('a wrong password is refused in Chinese and keeps the person on the log-in screen', async () => {
    await withPage(h, 'wrong-password', PHONE, async (page) => {
      await page.goto('/');
      await page.getByLabel('手机号').fill(PEOPLE.station_officer.phone);
      await page.getByLabel('密码').fill('wrong-password');
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByText('手机号或密码错误').waitFor();
      await expect(page.getByTestId('home').count()).resolves.toBe(0);
    });
  });

  it('five wrong passwords lock the account, and the screen says until when', async () => {
    // 王卞社区's keeper, seeded with the demo password; nobody else in these tests uses it.
    await withPage(h, 'lockout', PHONE, async (page) => {
      await page.goto('/');
      await page.getByLabel('手机号').fill('13909210000');
      const error = page.getByTestId('login-error');
      const attempt = async (password: string) => {
        await page.getByLabel('密码').fill(password);
        const [res] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/auth/login')),
          page.getByRole('button', { name: '登录' }).click(),
        ]);
        return res.status();
      };
      for (let i = 1; i <= 5; i++) {
        expect(await attempt(`wrong-${i}`)).toBe(401);
        await error.filter({ hasText: '手机号或密码错误' }).waitFor();
      }
      // Even the right password is refused now, with the lock's end time.
      expect(await attempt(PASSWORD)).toBe(423);
      await error.filter({ hasText: '账号已临时锁定' }).waitFor();
      await expect(error.textContent()).resolves.toMatch(/登录失败次数过多，账号已临时锁定，请于 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2} 后再试/);
      await expect(page.getByTestId('home').count()).resolves.toBe(0);
    });
  });

  it('a wrong TOTP code is refused and the right one lets the administrator in', async () => {
    await withPage(h, 'wrong-totp', DESKTOP, async (page) => {
      await page.goto('/');
      await page.getByLabel('手机号').fill(PEOPLE.audit_admin.phone);
      await page.getByLabel('密码').fill(PASSWORD);
      await page.getByRole('button', { name: '登录' }).click();
      const code = page.getByLabel('6 位动态码');
      await code.waitFor();
      const wrong = String((Number(totpCode()) + 500_000) % 1_000_000).padStart(6, '0');
      await code.fill(wrong);
      await page.getByRole('button', { name: '验证' }).click();
      await page.getByText('动态码错误或已过期').waitFor();
      await code.fill(await totpFor(PEOPLE.audit_admin.phone));
      await page.getByRole('button', { name: '验证' }).click();
      await page.getByTestId('home').waitFor();
      await expect(page.getByTestId('home').getAttribute('data-role')).resolves.toBe('audit_admin');
    });
  });

  it('a new administrator without a second factor enrols one from the QR code and lands on the workbench', async () => {
    // The system administrator creates the account; the security administrator grants the role.
    const sys = await apiAs(h, PEOPLE.sys_admin.phone);
    const sec = await apiAs(h, PEOPLE.sec_admin.phone);
    const phone = '13700000042';
    try {
      const user = await sys.post<{ id: string }>('/api/users', { name: '林审计员', phone, password: 'Anquan@2026x', orgCode: TOWN });
      await sec.post(`/api/users/${user.id}/grants`, { role: 'audit_admin', orgCode: TOWN });
    } finally {
      await sys.dispose();
      await sec.dispose();
    }
    await withPage(h, 'enrol', PHONE, async (page) => {
      await page.goto('/');
      await page.getByLabel('手机号').fill(phone);
      await page.getByLabel('密码').fill('Anquan@2026x');
      await page.getByRole('button', { name: '登录' }).click();
      await page.getByRole('heading', { name: '设置二次验证' }).waitFor();
      const qr = page.getByTestId('totp-qr');
      await qr.waitFor();
      // The QR code is an SVG data: image — the CSP allows it and it must actually render.
      await expect.poll(() => qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      await expect(qr.getAttribute('src')).resolves.toMatch(/^data:image\/svg\+xml;base64,/);
      const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
      expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
      await page.getByLabel('6 位动态码').fill(authenticator.generate(secret));
      await page.getByRole('button', { name: '启用并登录' }).click();
      await page.getByTestId('home').waitFor();
      await expect(page.getByTestId('home').getAttribute('data-role')).resolves.toBe('audit_admin');
      await expect(page.getByRole('heading', { level: 1, name: '安全审计员工作台' }).isVisible()).resolves.toBe(true);
    });
  });
});

describe('language', () => {
  it('switches to English and back, remembers the choice and sets <html lang>', async () => {
    await withPage(h, 'english', PHONE, async (page) => {
      await page.goto('/');
      await page.getByRole('heading', { name: '登录' }).waitFor();
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
      await page.getByTestId('lang-switch').click();
      await page.getByRole('heading', { name: 'Log in' }).waitFor();
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
      await page.getByLabel('Mobile number').fill(PEOPLE.station_officer.phone);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Economic management station workbench' }).waitFor();
      await expect(page.getByTestId('home').textContent()).resolves.toContain('Hello, 孙经管');
      await expect(page.getByTestId('demo-badge').textContent()).resolves.toBe('DEMO mode');
      // Remembered across a reload.
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Economic management station workbench' }).waitFor();
      await page.goto('/seals');
      await page.getByRole('heading', { level: 1, name: 'Seal registry' }).waitFor();
      await page.getByTestId('seal-status').first().waitFor();
      await expect(page.getByTestId('seal-status').first().textContent()).resolves.toBe('In use');
      // And back to Chinese from the console header.
      await page.getByTestId('lang-switch').click();
      await page.getByRole('heading', { level: 1, name: '印章台账' }).waitFor();
      await expect(page.getByTestId('seal-status').first().textContent()).resolves.toBe('在用');
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('zh-CN');
      await expect(page.evaluate(() => (globalThis as unknown as PageWindow).localStorage.getItem('cz_lang'))).resolves.toBe('zh-CN');
    });
  });
});
