import { command as commandSchema, parsePayload, verify, type Command } from '@cunzhang/protocol';
import { alarmLock, checkToken, loadToken, revoke, SKEW_MS, startMaintenance, unlock, type DeviceCore } from './machine.js';
import { STATE_REASONS } from './types.js';

/**
 * Commands from the platform (design §9). Checked in this order: readable and well-formed
 * (invalid), platform signature (bad_signature), addressed to this device (wrong_device), already
 * executed (acknowledged again with the first answer, not executed again: the platform re-sends
 * until it hears an ack), exp after the device clock (expired), iat not more than 300 s ahead
 * (not_yet_valid), nonce unseen (replayed). Then it acts and acks.
 *
 * The time command is exempt from the clock checks: it is what repairs a clock that is far off.
 * Its replays are caught by the nonce and by refusing an iat older than the last one applied.
 */
export interface CommandHooks {
  /** The device's own part of a few commands (heartbeat timer, clock). */
  onConfig(): void;
  onTime(nowMs: number): void;
}

type Verdict = { run: true; cmd: Command } | { run: false; id: string | null; type: string | null; error: string; reack?: { ok: boolean; error?: string } };

function idOf(payload: Buffer): { id: string | null; type: string | null } {
  try {
    const j = JSON.parse(payload.toString('utf8')) as { id?: unknown; type?: unknown };
    const id = typeof j.id === 'string' && /^[0-9A-Za-z_-]{1,64}$/.test(j.id) ? j.id : null;
    return { id, type: typeof j.type === 'string' ? j.type.slice(0, 32) : null };
  } catch {
    return { id: null, type: null };
  }
}

export function checkCommand(core: DeviceCore, payload: Buffer): Verdict {
  const parsed = parsePayload(commandSchema, payload);
  if (!parsed.ok) return { run: false, ...idOf(payload), error: 'invalid' };
  const cmd = parsed.value;
  const base = { id: cmd.id, type: cmd.type };
  if (!verify(cmd, core.platformKey)) return { run: false, ...base, error: 'bad_signature' };
  if (cmd.dev !== core.dev) return { run: false, ...base, error: 'wrong_device' };
  const s = core.store.data;
  const done = s.done[cmd.id];
  if (done) return { run: false, ...base, error: 'duplicate', reack: { ok: done.ok, ...(done.error ? { error: done.error } : {}) } };
  const now = core.now();
  const exp = Date.parse(cmd.exp);
  const iat = Date.parse(cmd.iat);
  if (cmd.type !== 'time') {
    if (exp <= now) return { run: false, ...base, error: 'expired' };
    if (iat > now + SKEW_MS) return { run: false, ...base, error: 'not_yet_valid' };
  } else if (iat <= s.lastTimeIat) {
    return { run: false, ...base, error: 'replayed' };
  }
  if (s.nonces[cmd.nonce] !== undefined) return { run: false, ...base, error: 'replayed' };
  return { run: true, cmd };
}

/** Acts on a verified command. Returns the error for a refusal that depends on the state, or null. */
function act(core: DeviceCore, cmd: Command, hooks: CommandHooks): string | null {
  const s = core.store.data;
  switch (cmd.type) {
    case 'lock':
      alarmLock(core, STATE_REASONS.lockCommand);
      return null;
    case 'unlock':
      unlock(core);
      return null;
    case 'authorize': {
      const t = checkToken(core, cmd.body.token);
      return t.ok ? loadToken(core, t.token, 'command') : t.reason;
    }
    case 'revoke':
      revoke(core, cmd.body.auth);
      return null;
    case 'time': {
      const target = Date.parse(cmd.body.now);
      s.lastTimeIat = Date.parse(cmd.iat);
      hooks.onTime(target);
      return null;
    }
    case 'maintenance':
      return startMaintenance(core, cmd.body.kind, Date.parse(cmd.body.until));
    case 'config':
      s.hbS = cmd.body.hb_s;
      s.fence = cmd.body.fence;
      s.hours = cmd.body.hours;
      core.store.save();
      hooks.onConfig();
      return null;
  }
}

/** Verifies, acts, remembers and acknowledges one command payload. */
export function handleCommand(core: DeviceCore, payload: Buffer, hooks: CommandHooks): void {
  const verdict = checkCommand(core, payload);
  if (!verdict.run) {
    if (verdict.reack) {
      core.publish('ack', { cmd: verdict.id!, ...verdict.reack });
      core.notify('command', { id: verdict.id, type: verdict.type, outcome: 'reacked', ...(verdict.reack.error ? { error: verdict.reack.error } : {}) });
      return;
    }
    // A message without a usable id cannot be acknowledged; the platform's outbox will give up at exp.
    if (verdict.id) core.publish('ack', { cmd: verdict.id, ok: false, error: verdict.error });
    core.notify('command', { id: verdict.id, type: verdict.type, outcome: 'refused', error: verdict.error });
    return;
  }
  const cmd = verdict.cmd;
  const s = core.store.data;
  const exp = Date.parse(cmd.exp);
  s.nonces[cmd.nonce] = exp;
  const error = act(core, cmd, hooks);
  // Remembered until it expires, with the answer it got, so a re-send gets the same answer.
  s.done[cmd.id] = error ? { ok: false, error, exp } : { ok: true, exp };
  s.done[cmd.id]!.exp = Math.max(exp, core.now() + 60_000);
  core.store.prune(core.now());
  core.store.save();
  core.publish('ack', error ? { cmd: cmd.id, ok: false, error } : { cmd: cmd.id, ok: true });
  core.notify('command', { id: cmd.id, type: cmd.type, outcome: error ? 'refused' : 'executed', ...(error ? { error } : {}) });
}
