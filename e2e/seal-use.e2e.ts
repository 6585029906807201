/**
 * The seal-use loop end to end, each person on their own phone (375 px) or desk: a villager
 * applies with photographed pages, the village approver approves remotely, the keeper stamps
 * and records it by hand (no device bound yet); a second application is rejected; the
 * service-point clerk issues a residence certificate, the keeper approves it and a bank checks
 * it on the public page; the supervisor finds everything in the ledger and exports it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeSerious, DESKTOP, PHONE, pagePhoto, shot, startHarness, uiLogin, withPage, type Harness, type PageWindow } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function nav(page: Page, name: string): Promise<void> {
  // On a phone the navigation sits in a drawer behind the menu button.
  const link = page.getByRole('link', { name, exact: true }).first();
  if (!(await link.isVisible())) await page.getByRole('button', { name: /菜单|导航/ }).first().click();
  await page.getByRole('link', { name, exact: true }).first().click();
}

async function apply(page: Page, o: { matter: string; reason: string; title: string; impressions: number; pages: Buffer[]; shot?: string }): Promise<string> {
  await nav(page, '申请用印');
  await page.getByTestId('apply-form').waitFor();
  await page.getByLabel('事项').selectOption({ label: o.matter });
  await page.getByLabel('事由').fill(o.reason);
  await page.getByLabel('文件名称').fill(o.title);
  await page.getByLabel('盖章次数').fill(String(o.impressions));
  await page.locator('#ap-pages').setInputFiles(o.pages.map((buffer, i) => ({ name: `page-${i + 1}.jpg`, mimeType: 'image/jpeg', buffer })));
  await page.getByTestId('pages-field').locator('img').nth(o.pages.length - 1).waitFor();
  if (o.shot) await shot(page, o.shot);
  await page.getByTestId('apply-submit').click();
  await page.locator('[data-testid="application"][data-status="pending"]').waitFor();
  return (await page.getByTestId('application').getAttribute('data-id'))!;
}

async function openFromBox(page: Page, nav_: string, box: string, id: string): Promise<void> {
  await nav(page, nav_);
  await page.getByTestId(`box-${box}`).waitFor();
  await page.locator(`[data-testid="application-card"][data-id="${id}"]`).click();
  await page.locator(`[data-testid="application"][data-id="${id}"]`).waitFor();
}

async function decide(page: Page, decision: '批准' | '驳回', opinion: string): Promise<void> {
  await page.getByLabel('审批意见').fill(opinion);
  await page.getByTestId('actions').getByRole('button', { name: decision, exact: true }).click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.getByRole('button', { name: `确认${decision}` }).click();
  await page.locator(`[data-testid="application"][data-status="${decision === '批准' ? 'approved' : 'rejected'}"]`).waitFor();
}

describe('seal use, remote approval, manual stamping, certificates and the ledger', () => {
  let approvedId = '';
  let rejectedId = '';
  let verifyCode = '';

  it('a villager applies with two photographed pages; the approver, told live, approves from the inbox; the keeper stamps and records it', async () => {
    await withPage(h, 'flow-applicant', PHONE, async (applicant) => {
      await uiLogin(applicant, 'applicant');
      const pages = [await pagePhoto(applicant, '家庭收入证明', 6), await pagePhoto(applicant, '收入明细', 9)];
      await withPage(h, 'flow-approver', PHONE, async (approver) => {
        await uiLogin(approver, 'village_approver');
        approvedId = await apply(applicant, { matter: '收入证明', reason: '申请低保需要家庭收入证明', title: '家庭收入证明', impressions: 2, pages, shot: 'apply-form-375' });
        await shot(applicant, 'apply-submitted-375');
        // The approver hears of it while on the workbench.
        await approver.getByTestId('toast').filter({ hasText: '家庭收入证明' }).first().waitFor();
        await openFromBox(approver, '待我审批', 'inbox', approvedId);
        await expect(approver.getByTestId('pages').locator('img').count()).resolves.toBe(2);
        expect(await axeSerious(approver, 'application detail (approver, phone)')).toEqual([]);
        await shot(approver, 'inbox-detail-375');
        await decide(approver, '批准', '情况属实，同意盖章');
        // The applicant's open detail turns approved by itself.
        await applicant.locator(`[data-testid="application"][data-status="approved"]`).waitFor();
        await expect(applicant.getByTestId('opinion').textContent()).resolves.toBe('情况属实，同意盖章');
      });
    });
    await withPage(h, 'flow-keeper', PHONE, async (keeper) => {
      await uiLogin(keeper, 'seal_keeper');
      await openFromBox(keeper, '待盖章', 'queue', approvedId);
      const form = keeper.getByTestId('record-stamping');
      await form.getByLabel('本次盖章次数').fill('2');
      await keeper.locator('#st-photo').setInputFiles({ name: 'stamped.jpg', mimeType: 'image/jpeg', buffer: await pagePhoto(keeper, '家庭收入证明', 6) });
      await keeper.getByTestId('stamped-photo-field').locator('img').first().waitFor();
      await form.getByRole('button', { name: '登记盖章' }).click();
      await keeper.locator('[data-testid="stamping"][data-source="keeper"]').waitFor();
      await keeper.locator('[data-testid="application"][data-status="stamped"]').waitFor();
      await keeper.locator('[data-testid="authorization"][data-status="used"]').waitFor();
      await shot(keeper, 'keeper-stamped-375');
    });
  });

  it('rejects a second application with an opinion the applicant reads in 我的申请', async () => {
    await withPage(h, 'reject-applicant', PHONE, async (applicant) => {
      await uiLogin(applicant, 'applicant');
      rejectedId = await apply(applicant, { matter: '建房申请', reason: '翻建旧房', title: '农村宅基地和建房（规划许可）申请表', impressions: 1, pages: [await pagePhoto(applicant, '建房申请表', 12)] });
      await withPage(h, 'reject-approver', PHONE, async (approver) => {
        await uiLogin(approver, 'village_approver');
        await openFromBox(approver, '待我审批', 'inbox', rejectedId);
        await decide(approver, '驳回', '缺少四邻签字，请补齐后重新申请');
      });
      await nav(applicant, '我的申请');
      const card = applicant.locator(`[data-testid="application-card"][data-id="${rejectedId}"][data-status="rejected"]`);
      await card.waitFor();
      await card.click();
      await expect(applicant.getByTestId('opinion').textContent()).resolves.toBe('缺少四邻签字，请补齐后重新申请');
      await shot(applicant, 'mine-rejected-375');
    });
  });

  it('the clerk issues a residence certificate; after the keeper approves it, the public page confirms it to a bank without personal data', async () => {
    let applicationId = '';
    await withPage(h, 'certificate-clerk', PHONE, async (clerk) => {
      await uiLogin(clerk, 'service_clerk');
      await nav(clerk, '开具证明');
      await clerk.locator('[data-testid="template"][data-code="residence"]').click();
      const form = clerk.getByTestId('certificate-form');
      await form.getByLabel('申请村民姓名').fill('张桂兰');
      await clerk.locator('#cf-name').fill('张桂兰');
      await clerk.locator('#cf-gender').selectOption('女');
      await clerk.locator('#cf-idNumber').fill('370921198503120022');
      await clerk.locator('#cf-address').fill('前鹤山村东街12号');
      await clerk.locator('#cf-since').fill('2008-03');
      await form.getByRole('button', { name: '开具证明' }).click();
      await clerk.getByTestId('certificate-issued').waitFor();
      verifyCode = (await clerk.getByTestId('verify-code').textContent())!.trim();
      expect(verifyCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      const pdfUrl = await clerk.getByTestId('certificate-pdf').getAttribute('href');
      const pdf = await clerk.request.get(pdfUrl!);
      expect(pdf.headers()['content-type']).toBe('application/pdf');
      expect((await pdf.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      await shot(clerk, 'certificate-issued-375');
      const mine = await clerk.request.get('/api/applications?box=mine');
      applicationId = ((await mine.json()) as { items: { id: string; documentTitle: string }[] }).items.find((i) => i.documentTitle === '居住证明')!.id;
    });
    // A bank checks the code before the certificate is stamped: it says so.
    await withPage(h, 'certificate-public-pending', PHONE, async (bank) => {
      await bank.goto(`/v/${verifyCode}`);
      await expect(bank.locator('main').textContent()).resolves.toContain('尚未盖章');
    });
    await withPage(h, 'certificate-keeper', PHONE, async (keeper) => {
      await uiLogin(keeper, 'seal_keeper');
      await openFromBox(keeper, '待我审批', 'inbox', applicationId);
      await decide(keeper, '批准', '核实无误');
    });
    await withPage(h, 'certificate-public', PHONE, async (bank) => {
      await bank.goto(`/v/${verifyCode.toLowerCase().replace(/-/g, '')}`);
      const text = (await bank.locator('main').textContent())!;
      expect(text).toContain('居住证明');
      expect(text).toContain('前鹤山');
      expect(text).toContain('已批准');
      expect(text).not.toContain('张桂兰');
      expect(text).not.toContain('370921198503120022');
      expect(await axeSerious(bank, 'public certificate page')).toEqual([]);
      await shot(bank, 'certificate-public-375');
      const unknown = await bank.goto('/v/ABCD-EFGH-JKMN');
      expect(unknown?.status()).toBe(404);
      await expect(bank.locator('main').textContent()).resolves.toContain('未找到该证明：请核对验证码');
    });
  });

  it('the supervisor finds the uses in the ledger, compares approved and stamped pages, and exports it', async () => {
    await withPage(h, 'ledger-supervisor', DESKTOP, async (page) => {
      await uiLogin(page, 'supervisor');
      await nav(page, '用印登记簿');
      const table = page.getByTestId('ledger-table');
      await table.waitFor();
      await table.getByText('家庭收入证明').first().waitFor();
      await table.getByText('农村宅基地和建房（规划许可）申请表').first().waitFor();
      // Free text: a word of the reason finds the one application.
      await page.locator('#l-q').fill('低保');
      await page.locator('#l-q').press('Enter');
      await page.waitForFunction(() => {
        const d = (globalThis as unknown as PageWindow).document;
        const rows = d.querySelectorAll('[data-testid="ledger-table"] tbody tr[data-row-key]');
        return rows.length === 1;
      });
      await page.getByTestId('ledger-open').first().click();
      const sides = page.getByTestId('side-by-side');
      await sides.waitFor();
      await expect(sides.getByTestId('approved-pages').locator('img').count()).resolves.toBe(2);
      await expect(sides.getByTestId('stamped-pages').locator('img').count()).resolves.toBe(1);
      expect(await axeSerious(page, 'ledger detail')).toEqual([]);
      await shot(page, 'ledger-detail-desktop');
      await page.keyboard.press('Escape');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
      expect(download.suggestedFilename()).toMatch(/^用印登记簿-\d{8}\.xlsx$/);
      const file = await download.path();
      const { readFile } = await import('node:fs/promises');
      const bytes = await readFile(file!);
      expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    });
  });
});
