import { downTopic, PROTOCOL_VERSION, upTopic } from '@cunzhang/protocol';
import mqtt from 'mqtt';
import type { UpQueue } from './buffer.js';

/** Shared counters (one object for a whole fleet). */
export interface LinkStats {
  connected: number;
  connects: number;
  disconnects: number;
  sent: number;
  acked: number;
  received: number;
}

export const newStats = (): LinkStats => ({ connected: 0, connects: 0, disconnects: 0, sent: 0, acked: 0, received: 0 });

export interface LinkOptions {
  dev: string;
  url: string;
  username: string;
  password: string;
  queue: UpQueue;
  /** Called after subscribing and before the buffer is flushed: the device appends its hello here. */
  onUp: () => void;
  onDown: (reason: string) => void;
  onCommand: (payload: Buffer) => void;
  onAck: (seq: number) => void;
  /** First connection failed for a reason retrying will not fix (wrong password) or the broker is unreachable. */
  onError?: (e: LinkError) => void;
  keepaliveS?: number;
  reconnectMs?: number;
  connectTimeoutMs?: number;
  /** Messages published and not yet acknowledged at any time. */
  window?: number;
  stats?: LinkStats;
}

export class LinkError extends Error {
  constructor(readonly code: 'refused' | 'unreachable' | 'protocol', message: string) {
    super(message);
  }
}

/**
 * The device's MQTT connection (design §1, §6): clean session off, keepalive 60 s, last will on
 * up/will. Each connection is a fresh client with automatic reconnection off: this class
 * reconnects itself, and on a new connection re-sends from its own queue everything not yet
 * acknowledged — so a message is never sent both by mqtt.js's store and by us.
 */
export class Link {
  private client: mqtt.MqttClient | null = null;
  /** Bumped on every connection: callbacks of an older one are ignored. */
  private generation = 0;
  /** Highest seq handed to the current connection. */
  private sentThrough = 0;
  private inflight = 0;
  private wanted = false;
  private up = false;
  private retry: NodeJS.Timeout | null = null;
  readonly stats: LinkStats;

  constructor(private readonly opts: LinkOptions) {
    this.stats = opts.stats ?? newStats();
  }

  get connected(): boolean {
    return this.up;
  }

  /** Connect (and stay connected, reconnecting after drops). */
  start(): void {
    this.wanted = true;
    if (!this.client) this.connect();
  }

  /** Cut the network: the socket dies without DISCONNECT, so the broker publishes the will. */
  goOffline(): void {
    this.wanted = false;
    this.clearRetry();
    const c = this.client;
    if (!c) return;
    c.stream?.destroy();
    c.end(true);
    this.dropped('offline');
  }

  /** Clean stop: DISCONNECT is sent, so the broker does not publish the will. */
  async stop(): Promise<void> {
    this.wanted = false;
    this.clearRetry();
    const c = this.client;
    if (!c) return;
    this.dropped('stopped');
    // DISCONNECT after the messages in flight; a broker that no longer answers gets 2 s.
    const timer = new Promise<void>((r) => setTimeout(r, 2000).unref());
    await Promise.race([c.endAsync(false).catch(() => undefined), timer]);
    c.end(true);
  }

  /** Something was appended to the queue: publish it if connected. */
  pump(): void {
    if (!this.up || !this.client) return;
    const window = this.opts.window ?? 64;
    if (this.inflight >= window) return;
    const gen = this.generation;
    const client = this.client;
    for (const entry of this.opts.queue.after(this.sentThrough, window - this.inflight)) {
      this.sentThrough = entry.seq;
      this.inflight++;
      this.stats.sent++;
      client.publish(upTopic(this.opts.dev, entry.kind), entry.payload, { qos: 1, retain: false }, (err) => {
        if (gen !== this.generation) return;
        this.inflight--;
        if (!err) {
          this.stats.acked++;
          this.opts.queue.ack(entry.seq);
          this.opts.onAck(entry.seq);
        }
        this.pump();
      });
    }
  }

  private connect(): void {
    const gen = ++this.generation;
    const dev = this.opts.dev;
    let everUp = false;
    const client = mqtt.connect(this.opts.url, {
      clientId: dev,
      username: this.opts.username,
      password: this.opts.password,
      protocolVersion: 4,
      clean: false,
      keepalive: this.opts.keepaliveS ?? 60,
      reconnectPeriod: 0,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      will: { topic: upTopic(dev, 'will'), payload: Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, dev, will: true })), qos: 1, retain: false },
    });
    this.client = client;
    client.on('connect', () => {
      if (gen !== this.generation) return;
      // A device's packets are small (acks, impressions): send them at once, not after delayed ACKs.
      (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      client.subscribe(downTopic(dev), { qos: 1 }, (err, granted) => {
        if (gen !== this.generation) return;
        if (err || granted?.some((g) => g.qos === 128)) {
          this.opts.onError?.(new LinkError('refused', `the broker refused the subscription to ${downTopic(dev)}`));
          client.stream?.destroy();
          return;
        }
        everUp = true;
        this.up = true;
        this.stats.connected++;
        this.stats.connects++;
        this.sentThrough = 0;
        this.inflight = 0;
        this.opts.onUp();
        this.pump();
      });
    });
    client.on('message', (_topic, payload) => {
      if (gen !== this.generation) return;
      this.stats.received++;
      this.opts.onCommand(payload);
    });
    client.on('error', (e: Error & { code?: string | number }) => {
      if (gen !== this.generation) return;
      if (e.code === 4 || e.code === 5) {
        this.opts.onError?.(new LinkError('refused', `the broker at ${this.safeUrl()} refused device ${dev}: ${e.code === 4 ? 'bad user name or password' : 'not authorized'} (check mqtt.username and mqtt.password in the bundle)`));
      } else if (!everUp) {
        this.opts.onError?.(new LinkError('unreachable', `cannot reach the broker at ${this.safeUrl()} (${e.code ?? e.message})`));
      }
    });
    client.on('close', () => {
      if (gen !== this.generation) return;
      this.dropped('link lost');
      client.end(true);
      if (this.wanted) this.scheduleRetry();
    });
  }

  private dropped(reason: string): void {
    const wasUp = this.up;
    this.generation++;
    this.client = null;
    this.up = false;
    this.inflight = 0;
    if (wasUp) {
      this.stats.connected--;
      this.stats.disconnects++;
      this.opts.onDown(reason);
    }
  }

  private scheduleRetry(): void {
    this.clearRetry();
    const base = this.opts.reconnectMs ?? 5000;
    // Jitter: after a broker restart thousands of devices must not come back in the same millisecond.
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.wanted && !this.client) this.connect();
    }, Math.round(base * (0.5 + Math.random())));
    this.retry.unref();
  }

  private clearRetry(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private safeUrl(): string {
    return this.opts.url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  }
}
