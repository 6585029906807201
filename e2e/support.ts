/**
 * Shared plumbing for the cunzhang browser tests: the real server started in-process
 * on a fresh demo database, Debian's Chromium, log-in helpers, axe-core and screenshots.
 */
import { loadConfig, startServer, type RunningServer } from '@cunzhang/server';
import { authenticator } from 'otplib';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type APIRequestContext, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const PASSWORD = 'Heshan@2026';
export const TOTP_SECRET = 'KVKFKRCPNZQUYMLXOVYDSQKJKZDTSRLD';
export const TOWN = '370921113';
export const VILLAGE = '370921113201'; // 前鹤山村

export const PEOPLE = {
  applicant: { phone: '13800000001', name: '张村民', zh: '申请人', totp: false },
  service_clerk: { phone: '13800000002', name: '李经办', zh: '代办点经办人', totp: false },
  seal_keeper: { phone: '13800000003', name: '王保管', zh: '印章保管人', totp: false },
  village_approver: { phone: '13800000004', name: '赵书记', zh: '村审批人', totp: false },
  station_officer: { phone: '13800000005', name: '孙经管', zh: '镇经管站', totp: false },
  town_leader: { phone: '13800000006', name: '周镇长', zh: '分管领导', totp: false },
  supervisor: { phone: '13800000007', name: '吴纪委', zh: '监督人员', totp: false },
  auditor: { phone: '13800000008', name: '郑审计', zh: '审计组', totp: false },
  sys_admin: { phone: '13800000009', name: '钱系统', zh: '系统管理员', totp: true },
  sec_admin: { phone: '13800000010', name: '冯安全', zh: '安全管理员', totp: true },
  audit_admin: { phone: '13800000011', name: '陈审计员', zh: '安全审计员', totp: true },
} as const;
export type DemoRole = keyof typeof PEOPLE;

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1366, height: 900 };

/**
 * The page's globals, typed just enough for page.evaluate callbacks: the root tsconfig
 * type-checks e2e/ without the DOM library. Use as `(globalThis as unknown as PageWindow)`.
 */
export interface PageWindow {
  document: {
    cookie: string;
    createElement(tag: 'canvas'): {
      width: number; height: number; toDataURL(type: string, quality?: number): string;
      getContext(kind: '2d'): {
        strokeStyle: string; fillStyle: string; lineWidth: number; font: string; textAlign: string; textBaseline: string;
        beginPath(): void; arc(x: number, y: number, r: number, a0: number, a1: number): void; stroke(): void; fillText(t: string, x: number, y: number): void;
        fillRect(x: number, y: number, w: number, h: number): void;
      } | null;
    };
    querySelectorAll(selector: string): { length: number };
  };
  localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
  axe?: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> };
}

const here = dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = join(here, 'artifacts');

export interface Harness {
  server: RunningServer;
  url: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A fresh demo server and a headless Chromium. Call from beforeAll. The demo's virtual devices
 * (bound to 前鹤山村's village seal) run only when asked for: the other flows stamp by hand.
 */
export async function startHarness(opts: { virtualDevices?: boolean } = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cz-e2e-'));
  const server = await startServer(loadConfig({
    CUNZHANG_DATA_DIR: dataDir, CUNZHANG_PORT: '0', CUNZHANG_MQTT_PORT: '0', CUNZHANG_HOST: '127.0.0.1',
    CUNZHANG_DEMO: 'true', CUNZHANG_LOG_LEVEL: 'silent', CUNZHANG_LOGIN_RATE_PER_MINUTE: '1000',
    CUNZHANG_VIRTUAL_DEVICES: opts.virtualDevices ? 'true' : 'false',
  }), { logger: false });
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  } catch (e) {
    await server.close();
    throw e;
  }
  await mkdir(ARTIFACTS, { recursive: true });
  return {
    server, url: server.url, browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const STEP_MS = 30_000;
const lastStep = new Map<string, number>();

/**
 * A TOTP code of the demo administrators that the server has not seen yet for `phone`.
 * The server refuses a code whose time step was already used (replay protection) and
 * accepts one step of drift: so a second log-in in the same 30 s uses the next step's
 * code, and a third waits for time to catch up. Each test file has its own server, so
 * the memory of used steps is per file (per process).
 */
export async function totpFor(phone: string): Promise<string> {
  const now = Math.floor(Date.now() / STEP_MS);
  const step = Math.max(now, (lastStep.get(phone) ?? 0) + 1);
  if (step > now + 1) await new Promise((r) => setTimeout(r, (step - 1) * STEP_MS - Date.now() + 1000));
  lastStep.set(phone, step);
  return authenticator.clone({ epoch: step * STEP_MS }).generate(TOTP_SECRET);
}

/** A code for the current step, for checks that do not log in with it. */
export const totpCode = (): string => authenticator.generate(TOTP_SECRET);

/**
 * A browser context that fails the test on any Content-Security-Policy violation or
 * uncaught page error: the app must run under the server's strict CSP as shipped.
 */
export async function newContext(h: Harness, viewport = DESKTOP, opts: { lang?: 'zh-CN' | 'en' } = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await h.browser.newContext({ baseURL: h.url, viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', deviceScaleFactor: 1, isMobile: viewport.width < 600, hasTouch: viewport.width < 600 });
  if (opts.lang) {
    await context.addInitScript((lang) => (globalThis as unknown as PageWindow).localStorage.setItem('cz_lang', lang), opts.lang);
  }
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

async function csrfOf(context: BrowserContext | APIRequestContext): Promise<string> {
  const state = await context.storageState();
  return state.cookies.find((c) => c.name === 'cz_csrf')?.value ?? '';
}

/** Logs in through the HTTP API (cookies land in the given context). */
export async function apiLogin(h: Harness, context: BrowserContext | APIRequestContext, phone: string): Promise<void> {
  const req = 'request' in context ? context.request : context;
  const r = await req.post(`${h.url}/api/auth/login`, { data: { phone, password: PASSWORD } });
  if (!r.ok()) throw new Error(`login ${phone}: ${r.status()} ${await r.text()}`);
  const { stage } = (await r.json()) as { stage: string };
  if (stage === 'totp') {
    const t = await req.post(`${h.url}/api/auth/totp`, { data: { code: await totpFor(phone) }, headers: { 'x-csrf-token': await csrfOf(context) } });
    if (!t.ok()) throw new Error(`totp ${phone}: ${t.status()} ${await t.text()}`);
  }
}

/** A logged-in API client (its own cookie jar) for arranging data around a UI test. */
export async function apiAs(h: Harness, phone: string) {
  const { request } = await import('playwright-core');
  const ctx = await request.newContext({ baseURL: h.url });
  await apiLogin(h, ctx, phone);
  const csrf = await csrfOf(ctx);
  const call = async <T>(method: string, path: string, data?: unknown): Promise<T> => {
    const r = await ctx.fetch(path, { method, ...(method === 'GET' ? {} : { data: data ?? {}, headers: { 'x-csrf-token': csrf } }) });
    if (!r.ok()) throw new Error(`${method} ${path}: ${r.status()} ${await r.text()}`);
    return (r.status() === 204 ? undefined : await r.json()) as T;
  };
  return {
    get: <T>(path: string) => call<T>('GET', path),
    post: <T>(path: string, data?: unknown) => call<T>('POST', path, data),
    dispose: () => ctx.dispose(),
  };
}

/** Logs in through the log-in screen, with the TOTP step for administrators. */
export async function uiLogin(page: Page, role: DemoRole): Promise<void> {
  const who = PEOPLE[role];
  await page.goto('/');
  await page.getByLabel(/手机号|Mobile number/).fill(who.phone);
  await page.getByLabel(/^(密码|Password)$/).fill(PASSWORD);
  await page.getByRole('button', { name: /^(登录|Log in)$/ }).click();
  if (who.totp) {
    await page.getByRole('heading', { name: /二次验证|Second factor/ }).waitFor();
    await page.getByLabel(/6 位动态码|6-digit code/).fill(await totpFor(who.phone));
    await page.getByRole('button', { name: /^(验证|Verify)$/ }).click();
  }
  await page.getByTestId('home').waitFor();
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }

/**
 * Runs axe-core in the page and returns the serious and critical violations, printed.
 * The source goes in through the DevTools protocol (page.evaluate), which the page's
 * CSP does not govern, so the app keeps running under its real policy.
 */
export async function axeSerious(page: Page, label: string): Promise<string[]> {
  const src = await axeSource;
  const loaded = await page.evaluate(() => typeof (globalThis as unknown as PageWindow).axe !== 'undefined');
  if (!loaded) await page.evaluate(src);
  const violations = await page.evaluate(async () => {
    const w = globalThis as unknown as PageWindow;
    const r = await w.axe!.run(w.document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lines = bad.map((v) => `[${label}] ${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n')}`);
  if (lines.length) console.error(lines.join('\n'));
  return lines;
}

/**
 * Screenshot under e2e/artifacts/: the whole page at phone width (to show how the layout
 * stacks), the window at desktop width (the whole page there costs seconds per shot).
 */
export async function shot(page: Page, name: string, opts: { window?: boolean } = {}): Promise<void> {
  const narrow = (page.viewportSize()?.width ?? 0) < 600;
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: narrow && !opts.window });
}

/** A small PNG of a red round seal, drawn by the browser itself. */
export async function sealPng(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(() => {
    const c = (globalThis as unknown as PageWindow).document.createElement('canvas');
    c.width = 160;
    c.height = 160;
    const g = c.getContext('2d')!;
    g.strokeStyle = '#c8102e';
    g.fillStyle = '#c8102e';
    g.lineWidth = 6;
    g.beginPath();
    g.arc(80, 80, 72, 0, Math.PI * 2);
    g.stroke();
    g.font = 'bold 56px serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText('★', 80, 80);
    return c.toDataURL('image/png').split(',')[1]!;
  });
  return Buffer.from(b64, 'base64');
}

/** Picks an option in the open antd select dropdown (its visible items carry no ARIA role). */
export async function pickOption(page: Page, text: string | RegExp): Promise<void> {
  const open = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
  // On a loaded machine the filtered list can re-render under the click, which then lands on
  // a stale node: click again until the choice is taken (a single select closes then).
  for (let attempt = 1; ; attempt++) {
    await open.locator('.ant-select-item-option').filter({ hasText: text }).first().click();
    try {
      await open.waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt >= 4) throw e;
    }
  }
}

/**
 * Runs `fn` with a fresh context and page; on failure saves a screenshot under
 * e2e/artifacts/FAIL-<label>.png. Fails on CSP violations and uncaught page errors.
 */
export async function withPage(h: Harness, label: string, viewport: { width: number; height: number }, fn: (page: Page, context: BrowserContext) => Promise<void>, opts: { lang?: 'zh-CN' | 'en' } = {}): Promise<void> {
  const { context, page, problems } = await newContext(h, viewport, opts);
  try {
    await fn(page, context);
    if (problems.length) throw new Error(`problems in the page:\n${problems.join('\n')}`);
  } catch (e) {
    await page.screenshot({ path: join(ARTIFACTS, `FAIL-${label.replace(/[^\w-]+/g, '_')}.png`), fullPage: true }).catch(() => undefined);
    throw e;
  } finally {
    await context.close();
  }
}

/** GET from inside the page, with its session cookie. */
export async function pageGet<T>(page: Page, path: string): Promise<T> {
  return (await page.evaluate(async (p) => {
    const r = await fetch(p);
    if (!r.ok) throw new Error(`GET ${p}: ${r.status}`);
    return r.json() as unknown;
  }, path)) as T;
}

/** A photographed document page drawn by the browser: a white sheet with a title and lines of text, as JPEG. */
export async function pagePhoto(page: Page, title: string, lines: number): Promise<Buffer> {
  const b64 = await page.evaluate(({ title, lines }) => {
    const c = (globalThis as unknown as PageWindow).document.createElement('canvas');
    c.width = 900;
    c.height = 1200;
    const g = c.getContext('2d')!;
    g.fillStyle = '#fdfdf8';
    g.fillRect(0, 0, 900, 1200);
    g.fillStyle = '#222';
    g.font = 'bold 56px sans-serif';
    g.textAlign = 'center';
    g.fillText(title, 450, 150);
    for (let i = 0; i < lines; i++) g.fillRect(100, 260 + i * 70, 500 + ((i * 137) % 200), 18);
    return c.toDataURL('image/jpeg', 0.85).split(',')[1]!;
  }, { title, lines });
  return Buffer.from(b64, 'base64');
}
