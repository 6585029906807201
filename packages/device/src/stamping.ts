import type { PhotoRef } from '@cunzhang/protocol';
import { stockShot, type Camera, type PageChoice, type Shot } from './camera.js';
import { alarmLock, dropToken, setState, stampRefusal, type DeviceCore } from './machine.js';
import { setLevel } from './sensors.js';
import { STATE_REASONS, type StampResult } from './types.js';

/** What stamping needs beyond the core: the camera, the photo spool, the link state. */
export interface StampContext extends DeviceCore {
  camera: Camera | null;
  online(): boolean;
  spool(seq: number, shot: Shot): void;
  drain: { battery: number; ink: number };
}

const ref = (r: PhotoRef): PhotoRef => ({ sm3: r.sm3, phash: r.phash, bytes: r.bytes });

async function shoot(ctx: StampContext, token: Parameters<Camera['shoot']>[0], n: number, page: PageChoice | undefined): Promise<Shot> {
  return ctx.camera ? ctx.camera.shoot(token, n, page) : stockShot();
}

function afterPress(ctx: StampContext): void {
  const s = ctx.store.data;
  setLevel(ctx, 'ink', s.ink - ctx.drain.ink);
  setLevel(ctx, 'battery', s.battery - ctx.drain.battery);
}

/**
 * One impression under the loaded token (design §12, §14): seal down (stamping), photo before,
 * press, photo after, impression event, then authorized again or relocked when the count is
 * used. Refused — nothing published — when the state or the rules do not allow it.
 */
export async function stamp(ctx: StampContext, page?: PageChoice): Promise<StampResult> {
  const refusal = stampRefusal(ctx);
  if (refusal) return { ok: false, reason: refusal };
  const s = ctx.store.data;
  const token = s.token!;
  const operator = s.identity;
  const n = (s.used[token.auth] ?? 0) + 1;
  setState(ctx, 'stamping', STATE_REASONS.sealDown);
  let shot: Shot;
  try {
    shot = await shoot(ctx, token, n, page);
  } catch (e) {
    // The camera failed before the press: nothing was stamped.
    if (s.state === 'stamping') setState(ctx, 'authorized', 'camera_error');
    throw e;
  }
  // Counted before the event, persisted: a crash now cannot give the impression back.
  s.used[token.auth] = n;
  ctx.store.save();
  const offline = !ctx.online();
  const seq = ctx.publish('impression', { auth: token.auth, n, ...ctx.position(), before: ref(shot.before.ref), after: ref(shot.after.ref), operator, offline });
  ctx.spool(seq, shot);
  // A lock that came during the press has already moved the state on; otherwise the press ends here.
  if (s.state === 'stamping') {
    const windowOver = Date.parse(token.until) <= ctx.now();
    if (n >= token.n || windowOver) {
      setState(ctx, 'locked', n >= token.n ? STATE_REASONS.countUsed : STATE_REASONS.windowEnded);
      dropToken(ctx);
      ctx.store.save();
    } else {
      setState(ctx, 'authorized', STATE_REASONS.impression);
    }
  }
  afterPress(ctx);
  return { ok: true, seq, auth: token.auth, n, offline, pageNo: shot.pageNo, before: ref(shot.before.ref), after: ref(shot.after.ref) };
}

/**
 * The seal pressed without an authorization (lock forced, seal out of the device): an
 * impression event with auth null and n 0, then the device alarm-locks itself.
 */
export async function forceStamp(ctx: StampContext, page?: PageChoice): Promise<StampResult> {
  const shot = await shoot(ctx, null, 0, page === 'approved' ? undefined : page);
  const offline = !ctx.online();
  const seq = ctx.publish('impression', { auth: null, n: 0, ...ctx.position(), before: ref(shot.before.ref), after: ref(shot.after.ref), operator: null, offline });
  ctx.spool(seq, shot);
  alarmLock(ctx, STATE_REASONS.forced);
  afterPress(ctx);
  return { ok: true, seq, auth: null, n: 0, offline, pageNo: shot.pageNo, before: ref(shot.before.ref), after: ref(shot.after.ref) };
}
