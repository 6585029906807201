import type { Deps } from '@cunzhang/core';
import { verifyKey, type VerifyKey } from '@cunzhang/protocol';

/** What the gateway needs to know about a device to admit it and check its messages. */
export interface DeviceEntry {
  id: string;
  orgCode: string;
  retired: boolean;
  credentialHash: string;
  publicKey: string;
  hbKey: string;
  loadedAt: number;
}

/**
 * A read-through cache of device credentials and keys. Entries live `ttlMs` (a retired device
 * is refused within that time; the registry's retire also calls `forget`). A public key with its
 * multiplication table verifies in ~0.45 ms instead of ~2.7 ms, but building the table costs
 * ~30 ms (a dozen plain verifications) and ~0.5 MB: it pays only for a device that is stamping
 * now. So a device's signed events are checked with the plain key until it has sent `hotAfter`
 * of them within `hotWindowMs`; then its table is built and kept among the `hotKeys` devices
 * that spoke last. (Building a table for every hello made 10,000 reconnecting devices cost
 * ~5 minutes of CPU, and a lock's ack wait ~30 ms, on bench/device-*.bench.ts.)
 */
export class DeviceDirectory {
  private readonly entries = new Map<string, DeviceEntry | null>();
  private readonly keys = new Map<string, VerifyKey>();
  /** Signed events per device in the current window, for devices without a table yet. */
  private readonly recent = new Map<string, { n: number; since: number }>();

  constructor(
    private readonly deps: Pick<Deps, 'uow' | 'cipher' | 'deviceKeys'>,
    private readonly opts: { ttlMs?: number; hotKeys?: number; hotAfter?: number; hotWindowMs?: number } = {},
  ) {}

  async get(deviceId: string): Promise<DeviceEntry | null> {
    const now = Date.now();
    const cached = this.entries.get(deviceId);
    if (cached !== undefined && (cached === null ? now - this.missAt(deviceId) < 5_000 : now - cached.loadedAt < (this.opts.ttlMs ?? 30_000))) return cached;
    const d = await this.deps.uow.read((tx) => tx.devices.get(deviceId));
    const entry: DeviceEntry | null = d
      ? { id: d.id, orgCode: d.orgCode, retired: d.status === 'retired', credentialHash: d.credentialHash, publicKey: d.publicKey, hbKey: this.deps.cipher.decrypt(d.hbKeyEnc), loadedAt: now }
      : null;
    if (entry === null) this.misses.set(deviceId, now);
    if (this.entries.size > 200_000) this.entries.clear();
    this.entries.set(deviceId, entry);
    return entry;
  }

  /** Checks an MQTT log-in: a registered device, not retired, with its own password. */
  async authenticate(username: string, password: Buffer | undefined): Promise<DeviceEntry | null> {
    if (!password) return null;
    const d = await this.get(username);
    if (!d || d.retired) return null;
    return this.deps.deviceKeys.credentialHash(password.toString('utf8')) === d.credentialHash ? d : null;
  }

  /** The device's verification key: with its table for a device that speaks often, else the plain key. */
  verifyKey(entry: DeviceEntry): VerifyKey | string {
    const hot = this.keys.get(entry.id);
    if (hot && hot.publicKey === entry.publicKey) {
      // Move to the end: the map's order is the least-recently-used order.
      this.keys.delete(entry.id);
      this.keys.set(entry.id, hot);
      return hot;
    }
    const now = Date.now();
    let r = this.recent.get(entry.id);
    if (!r || now - r.since > (this.opts.hotWindowMs ?? 600_000)) {
      if (this.recent.size > 100_000) this.recent.clear();
      this.recent.set(entry.id, (r = { n: 0, since: now }));
    }
    if (++r.n < (this.opts.hotAfter ?? 8)) return entry.publicKey;
    this.recent.delete(entry.id);
    const key = verifyKey(entry.publicKey, true);
    this.keys.set(entry.id, key);
    const max = this.opts.hotKeys ?? 256;
    while (this.keys.size > max) this.keys.delete(this.keys.keys().next().value as string);
    return key;
  }

  forget(deviceId: string): void {
    this.entries.delete(deviceId);
    this.keys.delete(deviceId);
    this.recent.delete(deviceId);
  }

  private readonly misses = new Map<string, number>();
  private missAt(deviceId: string): number {
    return this.misses.get(deviceId) ?? 0;
  }
}
