import { retryDelayMs, type DeviceCommand, type Deps } from '@cunzhang/core';
import { downTopic } from '@cunzhang/protocol';
import type { Metrics } from '../http/metrics.js';
import type { Broker } from './broker.js';

/**
 * Sends the signed commands of the outbox (device-protocol §8) and re-sends each until the
 * device acknowledges it or it expires. Woken at once when a use-case queues a command
 * (deps.signals), and every second for re-sends. Several server processes may send the same
 * command: the device executes a command id once and acknowledges repeats.
 */
export class Outbox {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly ctx: { deps: Deps; broker: Broker; metrics: Metrics; log: (msg: string, err?: unknown) => void }, private readonly everyMs = 1000) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.everyMs);
    this.timer.unref();
    this.kick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Sends what is due now; calls that arrive while a pass runs fold into one more pass. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Publishes a device's pending commands now (it just said hello after a reconnect). */
  async resendPending(deviceId: string): Promise<void> {
    const pending = await this.ctx.deps.uow.read((tx) => tx.devices.commands(deviceId, 50));
    for (const c of pending.filter((p) => p.status === 'pending').reverse()) await this.send(c);
  }

  private async pass(): Promise<void> {
    try {
      const now = this.ctx.deps.clock.now();
      const due = await this.ctx.deps.uow.read((tx) => tx.devices.dueCommands(now.toISOString(), 500));
      for (const c of due) {
        if (new Date(c.expiresAt) <= now) {
          await this.ctx.deps.uow.write((tx) => tx.devices.updateCommand(c.id, { status: 'expired', error: 'not acknowledged before it expired' }));
          continue;
        }
        await this.send(c);
      }
    } catch (e) {
      this.ctx.log('outbox pass failed', e);
    }
  }

  private async send(listed: DeviceCommand): Promise<void> {
    // Read again just before sending: a lock superseded by an unlock meanwhile (another
    // process, or a pass that listed it earlier) must not reach the device after the unlock.
    const c = await this.ctx.deps.uow.read((tx) => tx.devices.getCommand(listed.id));
    if (!c || c.status !== 'pending') return;
    const now = this.ctx.deps.clock.now();
    const attempts = c.attempts + 1;
    // Schedule the re-send before publishing: an ack that overtakes this write only changes the status.
    await this.ctx.deps.uow.write((tx) => tx.devices.updateCommand(c.id, { attempts, nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)).toISOString() }));
    try {
      await this.ctx.broker.publish(downTopic(c.deviceId), c.message);
      this.ctx.metrics.deviceCommands.inc({ type: c.type });
    } catch (e) {
      this.ctx.log(`command ${c.id} to ${c.deviceId} could not be published; it is re-sent later`, e);
    }
  }
}
