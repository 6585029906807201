import type { BlobStore, Deps } from '@cunzhang/core';
import type { Database } from '@cunzhang/store';
import type { Config } from '../config.js';
import type { Broker } from '../mqtt/broker.js';
import type { VirtualDevices } from '../demo/virtual-devices.js';
import type { Announcer } from '../mqtt/announcer.js';
import type { LiveHub } from './live.js';
import type { Metrics } from './metrics.js';

/** What the routes need: use-case deps and the few edge services. */
export interface AppContext {
  config: Readonly<Config>;
  deps: Deps;
  blobs: BlobStore;
  database: Database;
  broker: Broker | null;
  metrics: Metrics;
  /** Live updates to the people an application concerns (server-sent events). */
  live: LiveHub;
  /** How often a live stream is kept alive and its session checked again (default 25 s). */
  liveHeartbeatMs?: number;
  /** Live pushes of what devices did (absent in tests without a broker). */
  announcer?: Announcer | null;
  /** Demo only: the emulated devices the virtual-device panel drives (null otherwise). */
  virtual?: VirtualDevices | null;
  /** Root of the built web app (packages/web/dist), or null to serve none. */
  webRoot: string | null;
}
