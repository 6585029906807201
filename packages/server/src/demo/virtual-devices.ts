import { bindDevice, provisionDevice, systemActor, type BlobStore, type Deps } from '@cunzhang/core';
import { EmulatedDevice, type PageSource } from '@cunzhang/device';
import { provisioningBundle, type ProvisioningBundle } from '@cunzhang/protocol';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_OTHER_VILLAGE, DEMO_TOWN, DEMO_VILLAGE } from './seed.js';

/** Around 鹤山镇, 宁阳县 (micro-degrees): where the demo devices stand, with a 300 m fence. */
export const DEMO_HOME = { lat_e6: 35_842_000, lng_e6: 116_703_000 };
const FENCE_M = 300;

/**
 * The demo's smart-seal devices, emulated inside the server (CUNZHANG_DEMO with
 * CUNZHANG_VIRTUAL_DEVICES): one on the village committee seal of 前鹤山村 and of 后鹤山村, and
 * one at the town's station not yet bound. They have a fence but no working hours of their own,
 * so the demo works at any hour (the town's default hours still raise off-hours warnings). They speak the real protocol over the real broker;
 * the virtual-device panel drives them. Their bundles (with private keys: demo only) are kept
 * in the data directory so they come back after a restart.
 */
export class VirtualDevices {
  readonly devices = new Map<string, EmulatedDevice>();

  constructor(private readonly opts: { deps: Deps; blobs: BlobStore; dataDir: string; log: (m: string, e?: unknown) => void }) {}

  private get dir(): string {
    return path.join(this.opts.dataDir, 'virtual-devices');
  }

  /** Provisions the demo devices once (first start of a demo database). */
  async ensureProvisioned(endpoints: { mqttUrl: string; httpBase: string }): Promise<void> {
    if (existsSync(this.dir) && readdirSync(this.dir).some((f) => f.endsWith('.json'))) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const actor = systemActor();
    const { deps } = this.opts;
    const fence = { latE6: DEMO_HOME.lat_e6, lngE6: DEMO_HOME.lng_e6, radiusM: FENCE_M };
    for (const [orgCode, label] of [[DEMO_VILLAGE, '前鹤山村村委会印章柜'], [DEMO_OTHER_VILLAGE, '后鹤山村村委会印章柜'], [DEMO_TOWN, '镇经管站合同章柜']] as const) {
      const made = await provisionDevice(deps, { actor, input: { orgCode, label, geofence: fence, virtual: true }, endpoints });
      if (orgCode !== DEMO_TOWN) {
        const seals = await deps.uow.read((tx) => tx.seals.list({ scopes: [orgCode], orgCode, typeCode: 'village_committee', limit: 1 }));
        const seal = seals.items[0];
        if (seal) await bindDevice(deps, { actor, id: made.device.id, input: { sealId: seal.id } });
      }
      writeFileSync(path.join(this.dir, `${made.device.id}.json`), JSON.stringify(made.bundle), { mode: 0o600 });
    }
  }

  /** Starts every saved demo device against the running broker. */
  async start(endpoints: { mqttUrl: string; httpBase: string }): Promise<void> {
    if (!existsSync(this.dir)) return;
    const pages: PageSource = async (token, pageNo) => {
      const page = token.pages.find((p) => p.no === pageNo);
      return page ? this.opts.blobs.get(page.sm3) : null;
    };
    for (const f of readdirSync(this.dir).filter((x) => x.endsWith('.json')).sort()) {
      let bundle: ProvisioningBundle;
      try {
        bundle = provisioningBundle.parse(JSON.parse(readFileSync(path.join(this.dir, f), 'utf8')));
      } catch (e) {
        this.opts.log(`virtual device ${f}: unreadable bundle, skipped`, e);
        continue;
      }
      // The saved bundle may name another port (CUNZHANG_MQTT_PORT changed): use this run's.
      const device = new EmulatedDevice({
        bundle: { ...bundle, mqtt: { ...bundle.mqtt, url: endpoints.mqttUrl }, http: endpoints.httpBase },
        stateDir: path.join(this.dir, bundle.dev), pages, home: DEMO_HOME, hbS: 60, firstHeartbeatMs: 1000,
      });
      device.on('notice', (n) => { if (n.level !== 'info') this.opts.log(`virtual device ${bundle.dev}: ${n.message}`); });
      // Battery, ink and position show on the screens from the first heartbeat: send one soon
      // after each connection rather than a whole period later.
      device.on('link', (l) => {
        if (l.connected) setTimeout(() => { try { device.heartbeat(); } catch { /* stopped meanwhile */ } }, 1500).unref();
      });
      this.devices.set(bundle.dev, device);
      await device.start(false);
    }
  }

  async stop(): Promise<void> {
    for (const d of this.devices.values()) await d.stop().catch(() => undefined);
    this.devices.clear();
  }
}
