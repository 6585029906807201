import client from 'prom-client';

export interface Metrics {
  registry: client.Registry;
  httpDuration: client.Histogram<'method' | 'route' | 'status'>;
  logins: client.Counter<'outcome'>;
  /** Open live-update streams (server-sent events). */
  liveStreams: client.Gauge;
  /** Applications filed, decided, lapsed; reminders sent. */
  applications: client.Counter<'event'>;
  /** Device messages by kind (ev, hb, will) and result (ok, duplicate, malformed_json, schema, too_large, bad_signature, …). */
  deviceMessages: client.Counter<'kind' | 'result'>;
  /** Commands published to devices by type (each attempt). */
  deviceCommands: client.Counter<'type'>;
  /** Alarms raised by rule and severity. */
  alarms: client.Counter<'rule' | 'severity'>;
  /** Outbound alarm webhooks by kind and outcome. */
  webhooks: client.Counter<'kind' | 'outcome'>;
}

/** Prometheus metrics; one registry per app so tests do not share counters. */
export function createMetrics(gauges: { dbUp: () => Promise<boolean>; brokerUp: () => boolean; devicesConnected?: () => number | null }): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'cunzhang_' });
  const httpDuration = new client.Histogram({
    name: 'cunzhang_http_request_duration_seconds', help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  const logins = new client.Counter({ name: 'cunzhang_logins_total', help: 'Login attempts by outcome', labelNames: ['outcome'] as const, registers: [registry] });
  new client.Gauge({
    name: 'cunzhang_database_up', help: '1 when the database answers', registers: [registry],
    async collect() { this.set((await gauges.dbUp()) ? 1 : 0); },
  });
  new client.Gauge({
    name: 'cunzhang_broker_up', help: '1 when the MQTT broker is listening or connected', registers: [registry],
    collect() { this.set(gauges.brokerUp() ? 1 : 0); },
  });
  const liveStreams = new client.Gauge({ name: 'cunzhang_live_streams', help: 'Open live-update streams (server-sent events)', registers: [registry] });
  const applications = new client.Counter({
    name: 'cunzhang_application_events_total', help: 'Seal-use application events (submitted, approved, rejected, withdrawn, revoked, stamped, expired, reminder)',
    labelNames: ['event'] as const, registers: [registry],
  });
  const deviceMessages = new client.Counter({
    name: 'cunzhang_device_messages_total', help: 'Device messages by kind (ev, hb, will, topic) and result (ok, duplicate, or the reason it was refused)',
    labelNames: ['kind', 'result'] as const, registers: [registry],
  });
  const deviceCommands = new client.Counter({ name: 'cunzhang_device_commands_sent_total', help: 'Signed commands published to devices (each attempt) by type', labelNames: ['type'] as const, registers: [registry] });
  const alarms = new client.Counter({ name: 'cunzhang_alarms_total', help: 'Alarms raised by rule and severity', labelNames: ['rule', 'severity'] as const, registers: [registry] });
  const webhooks = new client.Counter({ name: 'cunzhang_alarm_webhooks_total', help: 'Alarm webhook deliveries by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers: [registry] });
  new client.Gauge({
    name: 'cunzhang_devices_connected', help: 'Devices connected to the embedded broker', registers: [registry],
    collect() { const n = gauges.devicesConnected?.(); if (n !== null && n !== undefined) this.set(n); },
  });
  return { registry, httpDuration, logins, liveStreams, applications, deviceMessages, deviceCommands, alarms, webhooks };
}
