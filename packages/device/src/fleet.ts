import type { ProvisioningBundle } from '@cunzhang/protocol';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { EmulatedDevice } from './device.js';
import { newStats, type LinkStats } from './link.js';
import { TimerWheel } from './scheduler.js';
import { DEFAULT_HOME } from './sensors.js';
import type { DeviceEvents } from './types.js';

/**
 * Many light devices in one process, for scale tests (a county has hundreds of devices, a
 * province ~120,000): no camera, no photo files, memory queues, one timer wheel for every
 * heartbeat, and counters shared by all. 10,000 connections take about 300–400 MB.
 */
export interface FleetOptions {
  /** Heartbeat period in seconds (default 60). */
  hbS?: number;
  /** Heartbeats come up to this many ms late (default 10 % of the period): keeps the platform's load even. */
  jitterMs?: number;
  /** First heartbeats spread over this many ms (default one period). */
  firstBeatWithinMs?: number;
  /** Reconnect after a drop after about this many ms (randomised ×0.5–1.5; default 5000). */
  reconnectMs?: number;
  /** New connections per second at start (default 500): a broker takes a storm badly. */
  connectRate?: number;
  keepaliveS?: number;
  /** Devices stand at random within ~5 km of this point. */
  home?: { lat_e6: number; lng_e6: number };
  /** File keeping every device's sequence counter across fleet runs (saved every 10 s and at stop). */
  seqFile?: string | null;
}

export interface FleetCounters extends LinkStats {
  devices: number;
  started: number;
  heartbeats: number;
  events: number;
  commands: number;
  errors: number;
}

export class Fleet {
  readonly devices: EmulatedDevice[] = [];
  readonly stats: LinkStats = newStats();
  readonly wheel = new TimerWheel(100);
  /** The latest connection error of any device (e.g. broker unreachable), for a CLI to show. */
  lastError: string | null = null;
  private readonly byId = new Map<string, EmulatedDevice>();
  private readonly extra = { started: 0, heartbeats: 0, events: 0, commands: 0, errors: 0 };
  private readonly waiters = new Set<() => void>();
  private cancelSave: (() => void) | null = null;
  private stopping = false;

  constructor(
    bundles: ProvisioningBundle[],
    private readonly opts: FleetOptions = {},
  ) {
    const seqs = this.loadSeqs();
    const hbS = opts.hbS ?? 60;
    const home = opts.home ?? DEFAULT_HOME;
    // Listeners shared by every device: one function each, not one closure per device.
    const onUp = (u: DeviceEvents['up'][0]) => (u.kind === 'hb' ? this.extra.heartbeats++ : this.extra.events++);
    const onCommand = () => this.extra.commands++;
    const onLink = () => this.checkWaiters();
    const onNotice = (n: DeviceEvents['notice'][0]) => {
      if (n.level === 'error') {
        this.extra.errors++;
        this.lastError = n.message;
      }
    };
    for (const bundle of bundles) {
      const d = new EmulatedDevice({
        bundle,
        light: true,
        scheduler: this.wheel,
        stats: this.stats,
        hbS,
        jitterMs: opts.jitterMs ?? hbS * 100,
        firstHeartbeatMs: Math.random() * (opts.firstBeatWithinMs ?? hbS * 1000),
        reconnectMs: opts.reconnectMs ?? 5000,
        keepaliveS: opts.keepaliveS,
        home: { lat_e6: home.lat_e6 + Math.round((Math.random() - 0.5) * 90_000), lng_e6: home.lng_e6 + Math.round((Math.random() - 0.5) * 110_000) },
        initialSeq: seqs[bundle.dev] ?? 0,
      });
      d.on('up', onUp);
      d.on('command', onCommand);
      d.on('link', onLink);
      d.on('notice', onNotice);
      this.devices.push(d);
      this.byId.set(d.dev, d);
    }
  }

  device(dev: string): EmulatedDevice | undefined {
    return this.byId.get(dev);
  }

  /** Starts every device at `connectRate` per second; resolves when all have been started (not necessarily connected). */
  async start(): Promise<void> {
    const rate = Math.max(1, this.opts.connectRate ?? 500);
    const batch = Math.max(1, Math.ceil(rate / 10));
    for (let i = 0; i < this.devices.length && !this.stopping; i += batch) {
      for (const d of this.devices.slice(i, i + batch)) {
        void d.start(false);
        this.extra.started++;
      }
      if (i + batch < this.devices.length) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.opts.seqFile) this.cancelSave = this.wheel.every(10_000, () => this.saveSeqs());
  }

  /** Resolves when every device is connected; rejects after `timeoutMs` with the counts and the last error. */
  allConnected(timeoutMs = 60_000): Promise<void> {
    if (this.stats.connected >= this.devices.length) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        if (this.stats.connected < this.devices.length) return;
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(new Error(`${this.stats.connected} of ${this.devices.length} devices connected after ${timeoutMs} ms${this.lastError ? ` (last error: ${this.lastError})` : ''}`));
      }, timeoutMs);
      this.waiters.add(done);
    });
  }

  counters(): FleetCounters {
    return { devices: this.devices.length, ...this.stats, ...this.extra };
  }

  /** Clean stop of every device (DISCONNECT, so no wills), counters saved. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelSave?.();
    await Promise.all(this.devices.map((d) => d.stop()));
    this.saveSeqs();
    this.wheel.stop();
  }

  saveSeqs(): void {
    const file = this.opts.seqFile;
    if (!file) return;
    const out: Record<string, number> = {};
    for (const d of this.devices) out[d.dev] = d.store.data.seq;
    writeFileSync(`${file}.tmp`, JSON.stringify(out));
    renameSync(`${file}.tmp`, file);
  }

  private loadSeqs(): Record<string, number> {
    const file = this.opts.seqFile;
    if (!file || !existsSync(file)) return {};
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  }

  private checkWaiters(): void {
    for (const w of this.waiters) w();
  }
}
