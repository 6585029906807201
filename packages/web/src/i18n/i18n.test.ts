import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALARM_RULES, ALARM_STATUSES, DEMO_ACTIONS, LOCK_DISPLAYS, REPORTED_STATES, SEVERITIES } from '../lib/device-types';
import { en as enBase } from './en';
import { enSealUse } from './en-seal-use';
import { enAlarmScreens } from './en-alarms-screens';
import { enDevices } from './en-devices';
import { enDeviceScreens } from './en-devices-screens';
import { mergeDicts } from './merge';
import { zh as zhBase } from './zh';
import { zhSealUse } from './zh-seal-use';
import { zhAlarmScreens } from './zh-alarms-screens';
import { zhDevices } from './zh-devices';
import { zhDeviceScreens } from './zh-devices-screens';

// What the page ends up with: the base dictionaries, the device sections merged in at start,
// and the device screens' own strings added when one loads (devices/strings.ts).
// mergeDicts throws on a key defined twice, so the four files never overlap.
const zhScreens = mergeDicts(zhDeviceScreens, zhAlarmScreens);
const zh = mergeDicts(mergeDicts(mergeDicts(zhBase, zhSealUse), zhDevices), zhScreens);
const en = mergeDicts(mergeDicts(mergeDicts(enBase, enSealUse), enDevices), mergeDicts(enDeviceScreens, enAlarmScreens));

type Tree = { [k: string]: string | Tree };

function keys(t: Tree, prefix = ''): string[] {
  return Object.entries(t).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : keys(v, `${prefix}${k}.`))).sort();
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(f) && !f.endsWith('.test.ts') ? [p] : [];
  });
}

const SRC = fileURLToPath(new URL('..', import.meta.url));

describe('translations', () => {
  it('zh-CN and English have exactly the same keys, none empty', () => {
    expect(keys(en as Tree)).toEqual(keys(zh as Tree));
    for (const k of keys(zh as Tree)) {
      const [section, key] = k.split('.') as [keyof typeof zh, string];
      expect((zh[section] as Record<string, string>)[key], `zh ${k}`).not.toBe('');
      expect((en[section] as Record<string, string>)[key], `en ${k}`).not.toBe('');
    }
  });

  it('every literal key the screens ask for exists, and the placeholders match between languages', () => {
    const known = new Set(keys(zh as Tree));
    const missing: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z_]+\.[a-zA-Z0-9_]+)'/g)) if (!known.has(m[1]!)) missing.push(`${file.slice(SRC.length)}: ${m[1]}`);
      // Template keys with one ${…} part: the fixed part must name a section that exists.
      for (const m of text.matchAll(/\bt\(\s*`([a-zA-Z_]+)\.\$\{/g)) if (!(m[1]! in zh)) missing.push(`${file.slice(SRC.length)}: ${m[1]}.*`);
    }
    expect(missing).toEqual([]);
    const vars = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const k of known) {
      const [section, key] = k.split('.') as [keyof typeof zh, string];
      expect(vars((en[section] as Record<string, string>)[key]!), k).toEqual(vars((zh[section] as Record<string, string>)[key]!));
    }
  });

  it('names every application status, authorization status, route and live event in both languages', () => {
    for (const s of ['pending', 'approved', 'rejected', 'withdrawn', 'expired', 'revoked', 'stamped']) expect(zh.appStatus).toHaveProperty(s);
    for (const s of ['active', 'revoked', 'used']) expect(en.authStatus).toHaveProperty(s);
    for (const r of ['keeper', 'approver', 'leader', 'resolution']) {
      expect(zh.route).toHaveProperty(r);
      expect(en.routeShort).toHaveProperty(r);
    }
    for (const e of ['submitted', 'approved', 'rejected', 'withdrawn', 'revoked', 'stamped', 'expired', 'reminder']) expect(zh.live).toHaveProperty(e);
  });

  it('names every alarm rule, severity, device state, lock display and demo button, with the rule names of the issue', () => {
    for (const r of ALARM_RULES) {
      expect(zh.rule).toHaveProperty(r);
      expect(en.ruleHelp).toHaveProperty(r);
    }
    expect(zh.rule.unauthorized_impression).toBe('无授权用印');
    expect(zh.rule.tamper).toBe('设备被拆/印章被取出');
    expect(zh.rule.clock_skew).toBe('设备时钟偏差');
    for (const s of SEVERITIES) expect(en.severity).toHaveProperty(s);
    for (const s of ALARM_STATUSES) expect(zh.alarmStatus).toHaveProperty(s);
    for (const s of REPORTED_STATES) expect(zh.devState).toHaveProperty(s);
    for (const s of LOCK_DISPLAYS) expect(zh.lock).toHaveProperty(s);
    expect(zh.lock.locking).toBe('锁定中…');
    for (const a of DEMO_ACTIONS.filter((x) => x !== 'code')) expect(zh.vd).toHaveProperty(a);
    for (const k of ['retire', 'replace', 'unlock', 'maintenance']) for (const p of ['title_', 'body_', 'ok_', 'done_']) expect(en.dev).toHaveProperty(`${p}${k}`);
    // Every device screen has its navigation label and its workbench tile.
    for (const k of ['alarmBox', 'myDevices', 'devices', 'alarms', 'alarmRules', 'deviceRequests', 'virtualDevices']) {
      expect(zh.nav).toHaveProperty(k);
      expect(en.tiles).toHaveProperty(k);
    }
  });

  it('keeps the shell\'s device strings at start and the screens\' strings for later, never both', () => {
    // The shell (menu, tiles, alarm notices) needs these before any device screen loads.
    expect(Object.keys(zhDevices).sort()).toEqual(['alarmLive', 'nav', 'rule', 'severity', 'tiles']);
    for (const s of Object.keys(zhScreens)) {
      expect(zhBase).not.toHaveProperty(s);
      expect(zhDevices).not.toHaveProperty(s);
    }
  });

  it('names no placeholder lng or lngs: i18next would read it as the language to translate into', () => {
    for (const k of keys(zh as Tree)) {
      const [section, key] = k.split('.') as [keyof typeof zh, string];
      expect((zh[section] as Record<string, string>)[key], k).not.toMatch(/\{\{lngs?\}\}/);
    }
  });

  it('refuses a key defined twice when dictionaries are merged', () => {
    expect(() => mergeDicts({ nav: { home: 'a' } }, { nav: { home: 'b' } })).toThrow(/nav\.home/);
    expect(mergeDicts({ nav: { home: 'a' } }, { nav: { x: 'b' }, other: { y: 'c' } })).toEqual({ nav: { home: 'a', x: 'b' }, other: { y: 'c' } });
  });
});
