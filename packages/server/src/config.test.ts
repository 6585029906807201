import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

/** Runs loadConfig and returns the ConfigError it must throw. */
function refused(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'cz-config-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(path.isAbsolute(c.dataDir)).toBe(true);
    expect(c.tz).toBe('Asia/Shanghai');
    expect(c.demo).toBe(true);
    expect(c.mqttPort).toBe(1883);
    expect(c.mqttUrl).toBeUndefined();
    expect(c.databaseUrl).toBeUndefined();
    expect(c.tls).toBeNull();
    expect(c.cookieSecure).toBe(false);
    expect(c.bodyLimitBytes).toBe(256 * 1024);
    expect(c.uploadLimitBytes).toBe(20 * 1024 * 1024);
    expect(c.maxFailedLogins).toBe(5);
    expect(c.loginRatePerMinute).toBe(20);
    expect(c.separateApprovalAndCustody).toBe(true);
  });

  it('treats an empty variable as unset, and ignores other programs\' variables and CUNZHANG_TEST_*', () => {
    const c = loadConfig({ CUNZHANG_PORT: '', PATH: '/bin', HOME: '/root', CUNZHANG_TEST_PG_URL: 'postgres://x' });
    expect(c.port).toBe(8080);
  });

  it('reads every kind of value', () => {
    const c = loadConfig({
      CUNZHANG_PORT: '0', CUNZHANG_DATA_DIR: tmp, CUNZHANG_DATABASE_URL: 'postgresql://cz:pw@db:5432/cz', CUNZHANG_MQTT_URL: 'mqtts://broker:8883',
      CUNZHANG_MQTT_PORT: '18830', CUNZHANG_DEMO: 'no', CUNZHANG_TZ: 'Asia/Urumqi', CUNZHANG_TRUST_PROXY: '1', CUNZHANG_BODY_LIMIT_KB: '64',
      CUNZHANG_MASTER_KEY: 'ab'.repeat(32),
    });
    expect(c).toMatchObject({
      port: 0, dataDir: tmp, databaseUrl: 'postgresql://cz:pw@db:5432/cz', mqttUrl: 'mqtts://broker:8883', mqttPort: 18830, demo: false,
      tz: 'Asia/Urumqi', trustProxy: true, cookieSecure: true, bodyLimitBytes: 64 * 1024, masterKeyHex: 'ab'.repeat(32),
    });
  });

  it('returns a frozen object', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => { (c as { port: number }).port = 1; }).toThrow(TypeError);
    expect(c.port).toBe(8080);
  });

  const bad: [string, Record<string, string>, RegExp?][] = [
    ['CUNZHANG_PORT', { CUNZHANG_PORT: 'abc' }, /"abc"/],
    ['CUNZHANG_PORT', { CUNZHANG_PORT: '70000' }, /70000/],
    ['CUNZHANG_PORT', { CUNZHANG_PORT: '-1' }],
    ['CUNZHANG_PORT', { CUNZHANG_PORT: '80.5' }],
    ['CUNZHANG_MQTT_PORT', { CUNZHANG_MQTT_PORT: 'one' }],
    ['CUNZHANG_TZ', { CUNZHANG_TZ: 'Mars/Base' }, /IANA time zone/],
    ['CUNZHANG_DATABASE_URL', { CUNZHANG_DATABASE_URL: 'mysql://x' }, /postgres:\/\//],
    ['CUNZHANG_MQTT_URL', { CUNZHANG_MQTT_URL: 'http://x' }, /mqtt:\/\//],
    ['CUNZHANG_DEMO', { CUNZHANG_DEMO: 'maybe' }, /"maybe"/],
    ['CUNZHANG_TRUST_PROXY', { CUNZHANG_TRUST_PROXY: 'sometimes' }],
    ['CUNZHANG_MASTER_KEY', { CUNZHANG_MASTER_KEY: 'short' }, /64 hex digits/],
    ['CUNZHANG_MASTER_KEY', { CUNZHANG_MASTER_KEY: 'g'.repeat(64) }, /64 hex digits/],
    ['CUNZHANG_LOG_LEVEL', { CUNZHANG_LOG_LEVEL: 'loud' }],
    ['CUNZHANG_BODY_LIMIT_KB', { CUNZHANG_BODY_LIMIT_KB: '0' }],
    ['CUNZHANG_LOGIN_RATE_PER_MINUTE', { CUNZHANG_LOGIN_RATE_PER_MINUTE: 'lots' }],
    ['CUNZHANG_FOO', { CUNZHANG_FOO: '1' }, /not a cunzhang setting/],
    ['CUNZHANG_PROT', { CUNZHANG_PROT: '8080' }, /not a cunzhang setting/],
  ];
  for (const [variable, env, detail] of bad) {
    it(`refuses ${JSON.stringify(env)} with one line naming ${variable}`, () => {
      const e = refused(env);
      expect(e.variable).toBe(variable);
      expect(e.message.startsWith(`${variable}: `)).toBe(true);
      expect(e.message).not.toContain('\n');
      if (detail) expect(e.message).toMatch(detail);
    });
  }

  it('refuses a TLS certificate without a key, and a key without a certificate', () => {
    const cert = path.join(tmp, 'cert.pem');
    writeFileSync(cert, 'not really a certificate');
    const e = refused({ CUNZHANG_TLS_CERT: cert });
    expect(e.message).toMatch(/^CUNZHANG_TLS_KEY: .*both a certificate and a key/);
    expect(e.message).not.toContain('\n');
    expect(refused({ CUNZHANG_TLS_KEY: cert }).message).toMatch(/^CUNZHANG_TLS_CERT: /);
  });

  it('refuses TLS files that do not exist, naming the file', () => {
    const e = refused({ CUNZHANG_TLS_CERT: path.join(tmp, 'missing-cert.pem'), CUNZHANG_TLS_KEY: path.join(tmp, 'missing-key.pem') });
    expect(e.message).toMatch(/^CUNZHANG_TLS_CERT: file .*missing-cert\.pem does not exist$/);
  });

  it('turns on secure cookies with TLS unless told otherwise', () => {
    const cert = path.join(tmp, 'c.pem');
    const key = path.join(tmp, 'k.pem');
    writeFileSync(cert, 'c');
    writeFileSync(key, 'k');
    expect(loadConfig({ CUNZHANG_TLS_CERT: cert, CUNZHANG_TLS_KEY: key }).cookieSecure).toBe(true);
    expect(loadConfig({ CUNZHANG_TLS_CERT: cert, CUNZHANG_TLS_KEY: key, CUNZHANG_COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
  });
});
