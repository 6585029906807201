import { readFile } from 'node:fs/promises';
import type { PageChoice } from './camera.js';
import type { EmulatedDevice } from './device.js';

/**
 * The interactive console of `cunzhang-device run`: one line, one thing a person does at the
 * device. Kept apart from the process plumbing so tests can drive it line by line.
 */
export const SESSION_HELP = `commands:
  stamp [different|FILE]   press the seal under the loaded token (approved page, another page, or a page image file)
  force                    press the seal without authorization (tamper scenario)
  code N                   type the operator's one-time code
  token FILE|JSON          scan an authorization token (the QR code on the applicant's phone)
  open | close             open / close the case
  remove | return          take the seal out / put it back
  shock                    a knock or a drop
  battery N | ink N        set a gauge (percent)
  move LAT LNG             carry the device (degrees like 36.55 or micro-degrees like 36550000)
  hb                       send a heartbeat now
  offline | online         cut / restore the network (the broker publishes the will)
  status                   show the device's state
  help                     this list
  quit                     disconnect cleanly and exit`;

const toE6 = (s: string | undefined): number | null => {
  if (s === undefined || !/^-?\d+(\.\d+)?$/.test(s)) return null;
  return s.includes('.') || Math.abs(Number(s)) <= 180 ? Math.round(Number(s) * 1e6) : Number(s);
};

/** Runs one line; returns what to print, or null to quit. */
export async function interpret(device: EmulatedDevice, line: string): Promise<string | null> {
  const [word = '', ...args] = line.trim().split(/\s+/);
  switch (word.toLowerCase()) {
    case '':
      return '';
    case 'stamp': {
      let page: PageChoice | undefined;
      if (args[0] === 'different') page = 'different';
      else if (args[0]) page = await readFile(args[0]);
      const r = await device.stamp(page ? { page } : {});
      return r.ok ? `impression #${r.n} under ${r.auth} (seq ${r.seq}${r.offline ? ', offline' : ''}) before ${r.before.phash} after ${r.after.phash}` : `refused: ${r.reason}`;
    }
    case 'force': {
      const r = await device.forceStamp();
      return r.ok ? `forced impression (seq ${r.seq}); the device alarm-locked itself` : `refused: ${r.reason}`;
    }
    case 'code': {
      if (!args[0]) return 'usage: code N';
      const r = device.enterCode(args[0]);
      return r.ok ? `identity confirmed (attempt ${r.attempt})` : `code refused: ${r.reason}${r.attempt ? ` (attempt ${r.attempt})` : ''}`;
    }
    case 'token': {
      const text = args.join(' ');
      if (!text) return 'usage: token FILE|JSON';
      const json = text.startsWith('{') ? text : await readFile(text, 'utf8');
      const r = device.loadOfflineToken(json);
      return r.ok ? `token loaded: ${device.status().auth} (${device.status().allowed} impressions until ${device.status().until})` : `token refused: ${r.reason}`;
    }
    case 'open':
      device.openCase();
      return `case open; state ${device.status().state}`;
    case 'close':
      device.closeCase();
      return `case closed; state ${device.status().state}`;
    case 'remove':
      device.removeSeal();
      return `seal removed; state ${device.status().state}`;
    case 'return':
      device.returnSeal();
      return 'seal returned';
    case 'shock':
      device.shock();
      return `shock; state ${device.status().state}`;
    case 'battery':
    case 'ink': {
      const n = Number(args[0]);
      if (!Number.isFinite(n) || n < 0 || n > 100) return `usage: ${word} 0..100`;
      if (word === 'ink') device.setInk(n);
      else device.setBattery(n);
      return `${word} ${n}%`;
    }
    case 'move': {
      const lat = toE6(args[0]);
      const lng = toE6(args[1]);
      if (lat === null || lng === null || Math.abs(lat) > 90_000_000 || Math.abs(lng) > 180_000_000) return 'usage: move LAT LNG';
      device.moveTo(lat, lng);
      return `moved to ${lat} ${lng} (micro-degrees); the next heartbeat reports it`;
    }
    case 'hb':
      return `heartbeat seq ${device.heartbeat()}`;
    case 'offline':
      device.goOffline();
      return 'network cut; messages are buffered';
    case 'online':
      device.goOnline();
      return 'reconnecting…';
    case 'status':
      return JSON.stringify(device.status(), null, 2);
    case 'help':
    case '?':
      return SESSION_HELP;
    case 'quit':
    case 'exit':
      return null;
    default:
      return `unknown command ${JSON.stringify(word)}; type help`;
  }
}

/** One line per thing worth seeing; heartbeats only with `verbose`. */
export function watch(device: EmulatedDevice, print: (line: string) => void, verbose = false): void {
  device.on('state', (s) => print(`• state ${s.from} → ${s.to} (${s.reason}${s.auth ? `, ${s.auth}` : ''})`));
  device.on('command', (c) => print(`↓ command ${c.type ?? '?'} ${c.id ?? ''}: ${c.outcome}${c.error ? ` (${c.error})` : ''}`));
  device.on('link', (l) => print(l.connected ? '• connected' : `• disconnected (${l.reason})`));
  device.on('upload', (u) => (u.outcome !== 'retry' || verbose) && print(`↑ photo ${u.sm3.slice(0, 12)}…: ${u.outcome}${u.status ? ` HTTP ${u.status}` : ''}${u.error ? ` (${u.error})` : ''}`));
  device.on('notice', (n) => print(`! ${n.message}`));
  device.on('up', (u) => {
    if (u.kind === 'hb' && !verbose) return;
    const what = u.kind === 'hb' ? 'heartbeat' : u.message.type;
    if (verbose || (what !== 'state' && what !== 'ack')) print(`↑ ${what} seq ${u.message.seq}${u.online ? '' : ' (buffered)'}`);
  });
}
