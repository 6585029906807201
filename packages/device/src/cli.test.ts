import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from './cli.js';
import { startBroker, TestPlatform, type TestBroker } from './testing.js';

let broker: TestBroker;
let guarded: TestBroker;
let platform: TestPlatform;
const dir = mkdtempSync(path.join(tmpdir(), 'cz-cli-'));
const allowed = new Map<string, string>();

beforeAll(async () => {
  broker = await startBroker();
  guarded = await startBroker({ authenticate: (user, pass) => allowed.get(user) === pass });
  platform = new TestPlatform();
  await platform.connect(broker.url);
});
afterAll(async () => {
  await platform.close();
  await broker.close();
  await guarded.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An Io fed with `input` lines (each after the previous reply), interrupted on demand. */
function io(input: string[] = [], gapMs = 30) {
  const out: string[] = [];
  const err: string[] = [];
  let interrupt!: () => void;
  const interrupted = new Promise<void>((r) => (interrupt = r));
  const lines = (async function* () {
    for (const l of input) {
      await new Promise((r) => setTimeout(r, gapMs));
      yield l;
    }
  })();
  const value: Io = { out: (l) => out.push(l), err: (l) => err.push(l), lines, interrupted };
  return { io: value, out, err, interrupt };
}

const write = (name: string, content: unknown) => {
  const f = path.join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
};

describe('cunzhang-device command line', () => {
  it('prints help; no command is a usage error', async () => {
    const a = io();
    expect(await main(['--help'], a.io)).toBe(0);
    expect(a.out.join('\n')).toMatch(/cunzhang-device run --bundle[\s\S]*cunzhang-device fleet --bundles[\s\S]*stamp \[different\|FILE\]/);
    expect(await main([], io().io)).toBe(2);
    const b = io();
    expect(await main(['explode'], b.io)).toBe(2);
    expect(b.err[0]).toMatch(/unknown command "explode"/);
  });

  it('names the field of a bad bundle, and the file that cannot be read', async () => {
    const good = platform.provision(broker.url);
    const cases: [unknown, RegExp][] = [
      [{ ...good, mqtt: { ...good.mqtt, password: 'short' } }, /mqtt\.password/],
      [{ ...good, dev: 'nope' }, /: dev: /],
      [{ ...good, colour: 'red' }, /: colour: unknown field/],
      [{ ...good, platform_key: undefined }, /platform_key/],
      [(({ private_key: _k, ...rest }) => rest)(good), /private_key: missing/],
      ['{not json', /not JSON/],
    ];
    for (const [content, pattern] of cases) {
      const t = io();
      expect(await main(['run', '--bundle', write('bad.json', content), '--state-dir', path.join(dir, 'bad')], t.io)).toBe(2);
      expect(t.err.join('\n')).toMatch(pattern);
    }
    const missing = io();
    expect(await main(['run', '--bundle', path.join(dir, 'nowhere.json')], missing.io)).toBe(2);
    expect(missing.err[0]).toMatch(/cannot read the bundle file .*nowhere\.json \(ENOENT\)/);
  });

  it('says when the broker cannot be reached or refuses the password', async () => {
    const unreachable = platform.provision('mqtt://127.0.0.1:9');
    const a = io();
    expect(await main(['run', '--bundle', write('u.json', unreachable), '--state-dir', path.join(dir, 'u')], a.io)).toBe(1);
    expect(a.err.join('\n')).toMatch(/cannot reach the broker at mqtt:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);

    const refused = platform.provision(guarded.url);
    allowed.set(refused.dev, 'another-password-entirely');
    const b = io();
    expect(await main(['run', '--bundle', write('r.json', refused), '--state-dir', path.join(dir, 'r')], b.io)).toBe(1);
    expect(b.err.join('\n')).toMatch(new RegExp(`refused device ${refused.dev}.*mqtt\\.password`));
  });

  it('runs an interactive session: token, code, stamp, status, quit', async () => {
    const bundle = platform.provision(broker.url);
    const token = platform.token(bundle.dev, '246810', { n: 1 });
    const s = io([`token ${JSON.stringify(token)}`, 'stamp', 'code 246810', 'stamp', 'status', 'move 36.6 117.1', 'frobnicate', 'quit']);
    expect(await main(['run', '--bundle', write('ok.json', bundle), '--state-dir', path.join(dir, 'ok')], s.io)).toBe(0);
    const text = s.out.join('\n');
    expect(text).toContain(`token loaded: ${token.auth}`);
    expect(text).toContain('refused: no_identity');
    expect(text).toContain('identity confirmed (attempt 1)');
    expect(text).toMatch(new RegExp(`impression #1 under ${token.auth}`));
    expect(text).toContain('• state stamping → locked (count_used');
    expect(text).toContain('"state": "locked"');
    expect(text).toContain('moved to 36600000 117100000');
    expect(text).toContain('unknown command "frobnicate"');
    expect(s.out.at(-1)).toBe('disconnected');
    await platform.waitFor(() => platform.events(bundle.dev, 'impression').length === 1);
  });

  it('runs a fleet from a JSON-lines file until interrupted, and stops at once on a refused password', async () => {
    const bundles = [0, 1, 2].map(() => platform.provision(broker.url));
    const file = write('fleet.jsonl', `${bundles.map((b) => JSON.stringify(b)).join('\n')}\n\n`);
    const f = io();
    const run = main(['fleet', '--bundles', file, '--heartbeat', '5', '--report', '1'], f.io);
    await platform.waitFor(() => bundles.every((b) => platform.events(b.dev, 'hello').length === 1), 5000, 'fleet hellos');
    f.interrupt();
    expect(await run).toBe(0);
    expect(f.out.at(-1)).toMatch(/^connected 0\/3 .*events [3-9]/);

    const bad = write('bad.jsonl', `${JSON.stringify(bundles[0])}\n{"v":1}\n`);
    const g = io();
    expect(await main(['fleet', '--bundles', bad], g.io)).toBe(2);
    expect(g.err[0]).toMatch(/bad\.jsonl line 2: dev: /);

    const refused = platform.provision(guarded.url);
    const h = io();
    expect(await main(['fleet', '--bundles', write('refused.jsonl', JSON.stringify(refused))], h.io)).toBe(1);
    expect(h.err.join('\n')).toMatch(/no device connected: .*refused device/);
  });

  it('the bin script runs the TypeScript sources', () => {
    const bin = fileURLToPath(new URL('../bin/cunzhang-device.js', import.meta.url));
    expect(execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' })).toContain('cunzhang-device fleet');
  });
});
