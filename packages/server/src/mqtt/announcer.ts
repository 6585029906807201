import { lockDisplay, type Alarm } from '@cunzhang/core';
import type { AppContext } from '../http/context.js';
import { deviceAudienceOf } from '../http/live.js';
import { announce } from '../http/routes/applications.js';
import type { Outbox } from './outbox.js';

export interface AlarmNotifier {
  /** Outbound webhooks (DingTalk, WeCom); never throws, never blocks ingest. */
  notify(alarm: Alarm): void;
}

/**
 * Tells people what devices did: alarms and device changes pushed live to those they concern
 * (and alarms to the webhooks), impressions as "stamped" updates of their application.
 */
export class Announcer {
  constructor(private readonly ctx: Pick<AppContext, 'deps' | 'live' | 'metrics'>, private readonly outbox: Outbox | null, private readonly webhooks: AlarmNotifier | null) {}

  async alarms(alarms: readonly Alarm[]): Promise<void> {
    for (const a of alarms) {
      this.ctx.metrics.alarms.inc({ rule: a.rule, severity: a.severity });
      const ids = await this.ctx.deps.uow.read((tx) => deviceAudienceOf(tx, { orgCode: a.orgCode, sealId: a.sealId }));
      this.ctx.live.publishDevice({ kind: 'alarm', alarmId: a.id, deviceId: a.deviceId, orgCode: a.orgCode, rule: a.rule, severity: a.severity, status: a.status, at: a.createdAt }, ids);
      this.webhooks?.notify(a);
      if (a.autoLocked && a.deviceId) await this.device(a.deviceId);
    }
  }

  async device(deviceId: string): Promise<void> {
    const d = await this.ctx.deps.uow.read((tx) => tx.devices.get(deviceId));
    if (!d) return;
    const ids = await this.ctx.deps.uow.read((tx) => deviceAudienceOf(tx, d));
    this.ctx.live.publishDevice({
      kind: 'device', deviceId: d.id, alarmId: null, orgCode: d.orgCode, rule: null, severity: null, status: lockDisplay(d), at: this.ctx.deps.clock.now().toISOString(),
    }, ids);
  }

  /**
   * A device's impression (or its photo arriving): the application's people and, since a
   * device is watched from the desk, those who hear of the device (supervisors, station,
   * leaders: the ledger screen reloads).
   */
  async stampings(applicationIds: readonly string[], opts: { photo?: boolean } = {}): Promise<void> {
    for (const id of new Set(applicationIds)) {
      const app = await this.ctx.deps.uow.read((tx) => tx.applications.get(id));
      if (!app) continue;
      const watchers = await this.ctx.deps.uow.read((tx) => deviceAudienceOf(tx, { orgCode: app.orgCode, sealId: app.sealId }));
      await announce(this.ctx, 'stamped', app, { alsoUserIds: watchers, count: !opts.photo });
    }
  }

  async resendPending(deviceId: string): Promise<void> {
    await this.outbox?.resendPending(deviceId);
  }
}
