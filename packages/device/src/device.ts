import { PROTOCOL_VERSION, sign, withMac, type DeviceEvent, type DeviceEventOf, type EventType, type Heartbeat, type ProvisioningBundle, type VerifyKey } from '@cunzhang/protocol';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { DiskQueue, MemoryQueue, type UpQueue } from './buffer.js';
import { parseBundle, privateKeyOf } from './bundle.js';
import { Camera, type PageChoice, type Shot } from './camera.js';
import { handleCommand } from './commands.js';
import { Link, type LinkError } from './link.js';
import * as machine from './machine.js';
import { initialState, StateStore } from './persist.js';
import { platformKeyOf, statusOf, type DeviceOptions, type DeviceStatus } from './options.js';
import { nodeScheduler, type Scheduler } from './scheduler.js';
import * as sensors from './sensors.js';
import { forceStamp, stamp, type StampContext } from './stamping.js';
import type { DeviceEvents, Position, StampResult } from './types.js';
import { PhotoUploader } from './uploader.js';

export type { DeviceOptions, DeviceStatus } from './options.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** One emulated smart-seal device speaking protocol v1 over MQTT (see docs/device-protocol.md). */
export class EmulatedDevice extends EventEmitter<DeviceEvents> implements StampContext {
  readonly dev: string;
  readonly bundle: ProvisioningBundle;
  readonly store: StateStore;
  readonly queue: UpQueue;
  readonly platformKey: VerifyKey;
  readonly hbKey: string;
  readonly timeZone: string;
  readonly camera: Camera | null;
  readonly uploader: PhotoUploader | null;
  readonly drain: { battery: number; ink: number };
  private readonly link: Link;
  private readonly privateKey: string;
  private readonly scheduler: Scheduler;
  private readonly boot: number;
  private cancelBeat: (() => void) | null = null;
  private cancelDeadlines: (() => void)[] = [];
  private stopped = false;

  constructor(private readonly opts: DeviceOptions) {
    super();
    this.bundle = parseBundle(opts.bundle);
    this.dev = this.bundle.dev;
    this.privateKey = privateKeyOf(this.bundle, opts.privateKey);
    this.platformKey = platformKeyOf(this.bundle.platform_key);
    this.hbKey = this.bundle.hb_key;
    this.timeZone = opts.timeZone ?? 'Asia/Shanghai';
    this.scheduler = opts.scheduler ?? nodeScheduler;
    this.drain = opts.drain ?? { battery: 1, ink: 2 };
    const dir = opts.stateDir ?? null;
    const fresh = initialState(opts.home ?? sensors.DEFAULT_HOME, opts.hbS ?? 60);
    fresh.clockOffsetMs = opts.clockOffsetMs ?? 0;
    fresh.seq = opts.initialSeq ?? 0;
    this.store = new StateStore(dir, fresh);
    this.queue = dir ? new DiskQueue(path.join(dir, 'outbox'), opts.queueLimit) : new MemoryQueue(opts.queueLimit ?? (opts.light ? 1000 : undefined));
    // Never reuse a number still waiting in the buffer, even if state.json was lost.
    this.store.atLeast(this.queue.lastSeq);
    this.camera = opts.light ? null : new Camera(opts.pages ?? null);
    this.uploader =
      opts.light || opts.upload === false
        ? null
        : new PhotoUploader({
            http: this.bundle.http,
            dev: this.dev,
            dir: dir ? path.join(dir, 'photos') : null,
            announced: (seq) => !this.queue.has(seq),
            ...(opts.upload || {}),
            onResult: (r) => {
              this.emit('upload', r);
              if (r.outcome === 'failed') this.notify('notice', { level: 'warn', message: `photo ${r.sm3} refused for good by the platform (${r.error})` });
            },
          });
    this.boot = this.now();
    this.link = new Link({
      dev: this.dev,
      url: this.bundle.mqtt.url,
      username: this.bundle.mqtt.username,
      password: this.bundle.mqtt.password,
      queue: this.queue,
      keepaliveS: opts.keepaliveS,
      reconnectMs: opts.reconnectMs,
      connectTimeoutMs: opts.connectTimeoutMs,
      stats: opts.stats,
      onUp: () => {
        this.hello();
        this.emit('link', { connected: true, reason: 'connected' });
      },
      onDown: (reason) => this.emit('link', { connected: false, reason }),
      onCommand: (payload) => handleCommand(this, payload, { onConfig: () => this.armHeartbeat(), onTime: (ms) => this.setClock(ms) }),
      onAck: (seq) => {
        this.emit('acked', { seq });
        this.uploader?.kick();
      },
      onError: (e) => this.linkError(e),
    });
  }

  // ---- lifecycle --------------------------------------------------------------------------

  private firstLink: { resolve: () => void; reject: (e: Error) => void } | null = null;

  /** Connects and starts the heartbeat. Resolves at the first connection; rejects if the broker refuses or cannot be reached (when `wait`). */
  start(wait = true): Promise<void> {
    // Its files are closed: a restart is a new EmulatedDevice over the same stateDir.
    if (this.stopped) return Promise.reject(new Error(`device ${this.dev} was stopped; create a new EmulatedDevice to restart it`));
    this.armHeartbeat(this.opts.firstHeartbeatMs);
    this.armDeadlines();
    const first = wait ? new Promise<void>((resolve, reject) => (this.firstLink = { resolve, reject })) : Promise.resolve();
    if (wait) this.once('link', () => this.settleFirst(null));
    this.link.start();
    return first;
  }

  /** Clean shutdown: DISCONNECT (no will), timers off, files closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelBeat?.();
    for (const c of this.cancelDeadlines) c();
    this.uploader?.stop();
    await this.link.stop();
    this.queue.close();
  }

  /** Cuts the network without a clean disconnect: the broker publishes the will; messages are buffered meanwhile. */
  goOffline(): void {
    this.link.goOffline();
  }

  goOnline(): void {
    if (!this.stopped) this.link.start();
  }

  get connected(): boolean {
    return this.link.connected;
  }

  online(): boolean {
    return this.link.connected;
  }

  // ---- the core (used by machine, commands, sensors, stamping) ----------------------------

  now(): number {
    return Date.now() + this.store.data.clockOffsetMs;
  }

  position(): Position {
    return sensors.gpsFix(this.store.data.home);
  }

  publish<T extends EventType>(type: T, body: DeviceEventOf<T>['body']): number {
    const seq = this.store.nextSeq();
    const message = sign({ v: PROTOCOL_VERSION, dev: this.dev, seq, ts: iso(this.now()), type, body }, this.privateKey) as unknown as DeviceEvent;
    this.enqueue(seq, 'ev', JSON.stringify(message));
    this.emit('up', { kind: 'ev', message, online: this.link.connected });
    this.link.pump();
    return seq;
  }

  notify<K extends keyof DeviceEvents>(name: K, ...args: DeviceEvents[K]): void {
    (this.emit as (n: K, ...a: DeviceEvents[K]) => boolean)(name, ...args);
  }

  armDeadlines(): void {
    for (const c of this.cancelDeadlines) c();
    this.cancelDeadlines = [];
    const s = this.store.data;
    const ends = [s.token ? Date.parse(s.token.until) : null, s.maintenance?.until ?? null];
    for (const end of ends) {
      if (end !== null) this.cancelDeadlines.push(this.scheduler.after(Math.max(0, end - this.now()) + 5, () => machine.expireIfDue(this)));
    }
  }

  spool(seq: number, shot: Shot): void {
    this.uploader?.add(seq, shot.before);
    this.uploader?.add(seq, shot.after);
  }

  // ---- what a person does at the device ----------------------------------------------------

  /** The QR path (§10): a token scanned from the applicant's phone, verified like a command. */
  loadOfflineToken(token: string | object): { ok: true } | { ok: false; reason: string } {
    const t = machine.checkToken(this, token);
    if (!t.ok) return t;
    const refusal = machine.loadToken(this, t.token, 'qr');
    return refusal ? { ok: false, reason: refusal } : { ok: true };
  }

  /** The operator types the one-time code from the applicant's phone (§11). */
  enterCode(code: string): machine.CodeResult {
    return machine.enterCode(this, code);
  }

  stamp(opts: { page?: PageChoice } = {}): Promise<StampResult> {
    if (this.stopped) return Promise.resolve({ ok: false, reason: 'stopped' });
    return stamp(this, opts.page);
  }

  forceStamp(opts: { page?: PageChoice } = {}): Promise<StampResult> {
    return forceStamp(this, opts.page);
  }

  openCase(): void {
    sensors.openCase(this);
  }
  closeCase(): void {
    sensors.closeCase(this);
  }
  removeSeal(): void {
    sensors.removeSeal(this);
  }
  returnSeal(): void {
    sensors.returnSeal(this);
  }
  shock(): void {
    sensors.shock(this);
  }
  setBattery(percent: number): void {
    sensors.setLevel(this, 'battery', percent);
  }
  setInk(percent: number): void {
    sensors.setLevel(this, 'ink', percent);
  }

  /** Carries the device elsewhere (e.g. outside its fence); the next heartbeat reports it. */
  moveTo(lat_e6: number, lng_e6: number): void {
    this.store.data.home = { lat_e6: Math.round(lat_e6), lng_e6: Math.round(lng_e6) };
    this.store.save();
  }

  /** Sends a heartbeat now (they also come every hb_s seconds). */
  heartbeat(): number {
    machine.expireIfDue(this);
    const s = this.store.data;
    const seq = this.store.nextSeq();
    const body = { state: s.state, battery: s.battery, ink: s.ink, ...this.position(), buffered: this.queue.size };
    const message = withMac({ v: PROTOCOL_VERSION, dev: this.dev, seq, ts: iso(this.now()), body }, this.bundle.hb_key) as Heartbeat;
    this.enqueue(seq, 'hb', JSON.stringify(message));
    this.emit('up', { kind: 'hb', message, online: this.link.connected });
    this.link.pump();
    return seq;
  }

  /** A snapshot for a status line or a web panel. */
  status(): DeviceStatus {
    return statusOf(this.store.data, { dev: this.dev, connected: this.link.connected, position: this.position(), buffered: this.queue.size, photosPending: this.uploader?.pending ?? 0 });
  }

  // ---- internals ------------------------------------------------------------------------------

  private hello(): void {
    const id = this.opts.identity ?? {};
    this.publish('hello', { fw: id.fw ?? '1.0.0-emu', hw: id.hw ?? 'CZ-EMU-1', model: id.model ?? 'cunzhang emulated smart seal', boot: iso(this.boot), hb_s: this.store.data.hbS });
  }

  private enqueue(seq: number, kind: 'ev' | 'hb', payload: string): void {
    if (this.stopped && this.queue instanceof DiskQueue) throw new Error(`device ${this.dev} is stopped`);
    const dropped = this.queue.dropped;
    this.queue.append({ seq, kind, payload });
    if (this.queue.dropped > dropped) this.notify('notice', { level: 'warn', message: `offline buffer full: ${this.queue.dropped} old messages dropped` });
  }

  private armHeartbeat(firstMs?: number): void {
    this.cancelBeat?.();
    const jitter = this.opts.jitterMs ?? 0;
    const next = (delay: number) => {
      this.cancelBeat = this.scheduler.after(delay, () => {
        if (this.stopped) return;
        this.heartbeat();
        next(this.store.data.hbS * 1000 + Math.random() * jitter);
      });
    };
    next(firstMs ?? this.store.data.hbS * 1000 + Math.random() * jitter);
  }

  private setClock(targetMs: number): void {
    this.store.data.clockOffsetMs = targetMs - Date.now();
    this.store.save();
    this.armDeadlines();
  }

  private linkError(e: LinkError): void {
    this.notify('notice', { level: 'error', message: e.message });
    this.settleFirst(e);
  }

  private settleFirst(e: Error | null): void {
    const f = this.firstLink;
    if (!f) return;
    this.firstLink = null;
    if (e) f.reject(e);
    else f.resolve();
  }
}
