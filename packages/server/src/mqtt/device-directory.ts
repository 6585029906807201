import type { Deps } from '@cunzhang/core';
import { isStrictDerSignature, signatureDigest, signedBytes, zOf } from '@cunzhang/protocol';
import type { SignatureVerifier } from './verifier.js';

/** What the gateway needs to know about a device to admit it and check its messages. */
export interface DeviceEntry {
  id: string;
  orgCode: string;
  retired: boolean;
  credentialHash: string;
  publicKey: string;
  hbKey: string;
  loadedAt: number;
  /** Z of the public key (§4.1), worked out on its first signed message. */
  z?: Uint8Array;
}

/**
 * A read-through cache of device credentials and keys. Entries live `ttlMs` (a retired device
 * is refused within that time; the registry's retire also calls `forget`). Signatures are
 * checked by the verifier (worker threads, verifier.ts), which keeps the multiplication tables
 * of the devices that speak often.
 */
export class DeviceDirectory {
  private readonly entries = new Map<string, DeviceEntry | null>();

  constructor(
    private readonly deps: Pick<Deps, 'uow' | 'cipher' | 'deviceKeys'>,
    private readonly verifier: SignatureVerifier,
    private readonly opts: { ttlMs?: number } = {},
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

  /** Does the device's SM2 signature over `message` (without its `sig`) verify (§4.1)? */
  async verify(entry: DeviceEntry, message: Record<string, unknown> & { sig: string }): Promise<boolean> {
    // The DER parser underneath forgives trailing bytes and a wrong tag: one signature, one form.
    if (!isStrictDerSignature(message.sig)) return false;
    entry.z ??= zOf(entry.publicKey);
    return this.verifier.verify({ deviceId: entry.id, publicKey: entry.publicKey, e: signatureDigest(signedBytes(message), entry.z), sig: message.sig });
  }

  forget(deviceId: string): void {
    this.entries.delete(deviceId);
    this.verifier.forget(deviceId);
  }

  close(): Promise<void> {
    return this.verifier.close();
  }

  private readonly misses = new Map<string, number>();
  private missAt(deviceId: string): number {
    return this.misses.get(deviceId) ?? 0;
  }
}
