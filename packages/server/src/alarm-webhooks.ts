import { alarmViews, RULE_DEFAULTS, type Alarm, type AlarmView, type Deps, type Severity } from '@cunzhang/core';

/**
 * Alarms to the town's group chats: DingTalk custom robots and WeCom (企业微信) group robots,
 * in Chinese markdown. Fire-and-forget: a slow or failing robot never holds back ingest; each
 * message is tried again once, then counted as failed.
 */
export interface WebhookTarget {
  kind: 'dingtalk' | 'wecom';
  url: string;
}

export interface WebhookOutcome {
  kind: WebhookTarget['kind'];
  alarmId: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

export interface AlarmWebhookOptions {
  targets: readonly WebhookTarget[];
  /** Resolves village, device and seal names for the text. */
  deps: Pick<Deps, 'uow'>;
  /** Base of the links in the messages (CUNZHANG_PUBLIC_URL); no link when null. */
  publicUrl: string | null;
  timeZone?: string;
  /** Least severity sent (default warning: low-ink notices stay on the screens). */
  minSeverity?: Severity;
  timeoutMs?: number;
  retryDelayMs?: number;
  /** Called after each delivery (the metrics). */
  onOutcome?: (o: WebhookOutcome) => void;
}

const SEVERITY_ZH: Record<Severity, string> = { info: '提示', warning: '警告', critical: '严重' };
const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

const AUTH_REASON_ZH: Record<string, string> = {
  no_authorization: '无授权强行盖章', unknown_authorization: '授权不存在', foreign_authorization: '授权不属于该印章',
  over_count: '超出批准的用印次数', not_yet_valid: '授权尚未生效', expired: '授权已过期', revoked: '授权已撤销',
};
const SENSOR_ZH: Record<string, string> = { case_open: '机箱被打开', seal_removed: '印章被取出', shock: '设备受到撞击' };

/** One line of what was observed, in Chinese, from the alarm's evidence. */
export function evidenceSummaryZh(a: Pick<Alarm, 'rule' | 'evidence'>): string {
  const e = a.evidence as Record<string, unknown>;
  const n = (k: string) => (typeof e[k] === 'number' ? (e[k] as number) : '?');
  switch (a.rule) {
    case 'unauthorized_impression': {
      const used = typeof e.impressionsUsedBefore === 'number' ? `（准 ${n('impressionsAllowed')} 次，已用 ${n('impressionsUsedBefore')} 次）` : '';
      return `${AUTH_REASON_ZH[String(e.reason)] ?? String(e.reason)}${used}`;
    }
    case 'tamper': return SENSOR_ZH[String(e.kind)] ?? String(e.kind);
    case 'geofence': return `距围栏中心 ${n('distanceM')} 米，超出围栏 ${n('beyondM')} 米`;
    case 'off_hours': {
      const h = e.hours as { from?: string; to?: string } | undefined;
      return `当地时间 ${String(e.localTime)}，允许时段 ${h?.from ?? '?'}–${h?.to ?? '?'}`;
    }
    case 'offline': return `已离线 ${n('minutes')} 分钟`;
    case 'missed_heartbeats': return `${n('silentSeconds')} 秒无心跳（心跳间隔 ${n('hbSeconds')} 秒）`;
    case 'sequence_gap': return `缺失 ${n('missing')} 条设备消息`;
    case 'low_battery': return typeof e.battery === 'number' ? `电量 ${e.battery}%` : '设备报告电量低';
    case 'low_ink': return typeof e.ink === 'number' ? `印油 ${e.ink}%` : '设备报告印油不足';
    case 'page_mismatch': return e.distance === null ? '无可比对的审批页面' : `与最接近的审批页面相差 ${n('distance')} 位（阈值 ${n('threshold')}）`;
    case 'burst': return `近一小时用印 ${n('lastHour')} 次，平时每小时约 ${n('usualHourly')} 次`;
    case 'forged_message': return `原因：${String(e.reason)}`;
    case 'clock_skew': return typeof e.skewMs === 'number' ? `设备时钟偏差 ${Math.round(e.skewMs / 1000)} 秒` : `原因：${String(e.reason ?? '时钟偏差')}`;
  }
}

export function localTimeZh(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('zh-CN', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })
    .format(new Date(iso));
}

/** Title and markdown text of an alarm message. */
export function alarmMarkdown(v: AlarmView, opts: { publicUrl: string | null; timeZone: string }): { title: string; text: string } {
  const title = `【村章告警】${v.ruleNameZh ?? RULE_DEFAULTS[v.rule].nameZh}`;
  const lines = [
    `### ${title}`,
    `- 级别：${SEVERITY_ZH[v.severity]}${v.autoLocked ? '（已自动锁定设备）' : ''}`,
    `- 村（社区）：${v.orgName}`,
    `- 设备：${v.deviceLabel ?? v.deviceId ?? '—'}${v.sealName ? `（${v.sealName}）` : ''}`,
    `- 时间：${localTimeZh(v.createdAt, opts.timeZone)}`,
    `- 情况：${evidenceSummaryZh(v)}`,
  ];
  if (opts.publicUrl) lines.push('', `[查看并处理](${opts.publicUrl}/alarms/${v.id})`);
  return { title, text: lines.join('\n') };
}

/** The robot's request body. */
export function webhookBody(kind: WebhookTarget['kind'], md: { title: string; text: string }): Record<string, unknown> {
  return kind === 'dingtalk' ? { msgtype: 'markdown', markdown: { title: md.title, text: md.text } } : { msgtype: 'markdown', markdown: { content: md.text } };
}

export class AlarmWebhooks {
  /** Messages that failed after the retry, and that were delivered. */
  failures = 0;
  delivered = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: AlarmWebhookOptions) {}

  /** Sends the alarm to every robot in the background; returns at once. */
  notify(alarm: Alarm): void {
    if (!this.o.targets.length || RANK[alarm.severity] < RANK[this.o.minSeverity ?? 'warning']) return;
    const p = this.deliver(alarm).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Waits for the deliveries under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private async deliver(alarm: Alarm): Promise<void> {
    let view: AlarmView;
    try {
      [view] = (await this.o.deps.uow.read((tx) => alarmViews(tx, [alarm]))) as [AlarmView];
    } catch {
      view = { ...alarm, ruleNameZh: RULE_DEFAULTS[alarm.rule].nameZh, orgName: alarm.orgCode, deviceLabel: null, sealName: null };
    }
    const md = alarmMarkdown(view, { publicUrl: this.o.publicUrl, timeZone: this.o.timeZone ?? 'Asia/Shanghai' });
    await Promise.all(this.o.targets.map((t) => this.send(t, alarm.id, webhookBody(t.kind, md))));
  }

  private async send(t: WebhookTarget, alarmId: string, body: Record<string, unknown>): Promise<void> {
    let error = '';
    for (let attempt = 1; attempt <= 2; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, this.o.retryDelayMs ?? 2000));
      try {
        const res = await fetch(t.url, {
          method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
        });
        const text = await res.text();
        // Both robots answer 200 with {"errcode":0} when they took the message.
        const errcode = res.ok ? parseErrcode(text) : null;
        if (res.ok && (errcode === null || errcode === 0)) {
          this.delivered++;
          this.o.onOutcome?.({ kind: t.kind, alarmId, ok: true, attempts: attempt });
          return;
        }
        error = res.ok ? `errcode ${errcode}: ${text.slice(0, 200)}` : `HTTP ${res.status}`;
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
    this.failures++;
    this.o.onOutcome?.({ kind: t.kind, alarmId, ok: false, attempts: 2, error });
  }
}

function parseErrcode(text: string): number | null {
  try {
    const j = JSON.parse(text) as { errcode?: unknown };
    return typeof j.errcode === 'number' ? j.errcode : null;
  } catch {
    return null;
  }
}
