import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/** A start-up problem the operator can fix: one line naming the variable and the fix. */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v));
const port = (fallback: number) =>
  z.string().regex(/^\d{1,5}$/, 'is not a port number (0-65535)').transform(Number).pipe(z.number().max(65535, 'is not a port number (0-65535)')).default(fallback);

/** Every variable, its default and its meaning: mirrored in .env.example and docs/configuration.md. */
const schema = z.object({
  CUNZHANG_PORT: port(8080),
  CUNZHANG_HOST: z.string().min(1).default('0.0.0.0'),
  CUNZHANG_DATA_DIR: z.string().min(1).default('./data'),
  CUNZHANG_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://').optional(),
  CUNZHANG_MQTT_URL: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://').optional(),
  CUNZHANG_MQTT_PORT: port(1883),
  CUNZHANG_DEMO: bool.default(true),
  CUNZHANG_TZ: z.string().default('Asia/Shanghai').refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'is not an IANA time zone such as Asia/Shanghai'),
  CUNZHANG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CUNZHANG_MASTER_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits (32 bytes)').optional(),
  CUNZHANG_TLS_CERT: z.string().optional(),
  CUNZHANG_TLS_KEY: z.string().optional(),
  CUNZHANG_TRUST_PROXY: bool.default(false),
  CUNZHANG_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  CUNZHANG_SESSION_HOURS: z.coerce.number().min(0.1).max(24 * 30).default(12),
  CUNZHANG_MAX_FAILED_LOGINS: z.coerce.number().int().min(1).max(100).default(5),
  CUNZHANG_LOCKOUT_MINUTES: z.coerce.number().min(1).max(24 * 60).default(15),
  CUNZHANG_LOGIN_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(20),
  CUNZHANG_BODY_LIMIT_KB: z.coerce.number().int().min(1).max(100 * 1024).default(256),
  CUNZHANG_UPLOAD_LIMIT_MB: z.coerce.number().min(0.1).max(200).default(20),
  CUNZHANG_UPLOAD_TOTAL_LIMIT_MB: z.coerce.number().min(0.1).max(2000).default(150),
  CUNZHANG_SEPARATE_APPROVAL_AND_CUSTODY: bool.default(true),
  CUNZHANG_MAX_PHOTO_MEGAPIXELS: z.coerce.number().min(1).max(200).default(50),
  CUNZHANG_MAX_PAGES: z.coerce.number().int().min(1).max(100).default(30),
  CUNZHANG_MAX_IMPRESSIONS: z.coerce.number().int().min(1).max(1000).default(50),
  CUNZHANG_REMINDER_MINUTES: z.coerce.number().min(1).max(7 * 24 * 60).default(60),
  CUNZHANG_APPLICATION_EXPIRY_DAYS: z.coerce.number().min(1).max(365).default(7),
  CUNZHANG_UNLOCK_SECOND_PERSON: bool.default(true),
  CUNZHANG_DEVICE_CLOCK_TOLERANCE_S: z.coerce.number().int().min(5).max(86_400).default(300),
  CUNZHANG_VERIFY_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  CUNZHANG_MQTT_SHARE_GROUP: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, - or _').optional(),
  CUNZHANG_MQTT_PUBLIC_URL: z.string().regex(/^(mqtts?|wss?):\/\//, 'must start with mqtt://, mqtts://, ws:// or wss://').optional(),
  CUNZHANG_ALARM_WEBHOOKS: z.string().regex(/^((dingtalk|wecom):https?:\/\/[^\s,]+)(,(dingtalk|wecom):https?:\/\/[^\s,]+)*$/, 'must be a comma-separated list of dingtalk:<url> or wecom:<url>').optional(),
  CUNZHANG_VIRTUAL_DEVICES: bool.default(true),
  CUNZHANG_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// address, e.g. https://cunzhang.example.gov.cn' }).optional(),
});

/** The names of every setting, for documentation checks. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  mqttUrl: string | undefined;
  mqttPort: number;
  demo: boolean;
  tz: string;
  logLevel: z.infer<typeof schema>['CUNZHANG_LOG_LEVEL'];
  masterKeyHex: string | undefined;
  tls: { cert: string; key: string } | null;
  trustProxy: boolean;
  cookieSecure: boolean;
  sessionHours: number;
  maxFailedLogins: number;
  lockoutMinutes: number;
  loginRatePerMinute: number;
  bodyLimitBytes: number;
  uploadLimitBytes: number;
  /** Most bytes of files in one upload request (all pages together). */
  uploadTotalLimitBytes: number;
  separateApprovalAndCustody: boolean;
  /** Largest width × height of a photographed page (decompression-bomb guard). */
  maxPhotoPixels: number;
  maxPages: number;
  maxImpressions: number;
  /** Remind deciders of an application that waited this long, and again after as long. */
  reminderMinutes: number;
  applicationExpiryDays: number;
  /** 解锁需第二人: an unlock needs a second person's approval (security administrator or town leader). */
  unlockSecondPerson: boolean;
  /** A device message whose time is further ahead of the platform clock than this is refused. */
  deviceClockToleranceMs: number;
  /** Worker threads that check device signatures (0: on the main thread). */
  verifyThreads: number;
  /** Shared-subscription group on an external broker (several servers split device traffic); null: a plain subscription. */
  mqttShareGroup: string | null;
  /** Broker address written into device bundles; null: derived from the broker in use. */
  mqttPublicUrl: string | null;
  /** Outbound alarm webhooks (DingTalk and WeCom group robots). */
  alarmWebhooks: { kind: 'dingtalk' | 'wecom'; url: string }[];
  /** In demo mode, run the demo devices inside the server (virtual-device panel). */
  virtualDevices: boolean;
  /** Address printed in certificate QR codes (no trailing slash); null: taken from the request. */
  publicUrl: string | null;
}

/** Reads, validates and freezes the configuration; throws ConfigError on the first bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const known = Object.keys(schema.shape);
  const unknown = Object.keys(env).filter((k) => k.startsWith('CUNZHANG_') && !known.includes(k) && !k.startsWith('CUNZHANG_TEST_'));
  if (unknown.length) throw new ConfigError(unknown[0]!, `is not a cunzhang setting; see docs/configuration.md for the list`);
  const input = Object.fromEntries(known.map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0]);
    throw new ConfigError(variable, `${JSON.stringify(env[variable])} ${issue.message.replace(/^Invalid input: /, '')}; see docs/configuration.md`);
  }
  const e = parsed.data;
  if (Boolean(e.CUNZHANG_TLS_CERT) !== Boolean(e.CUNZHANG_TLS_KEY)) {
    throw new ConfigError(e.CUNZHANG_TLS_CERT ? 'CUNZHANG_TLS_KEY' : 'CUNZHANG_TLS_CERT', 'TLS needs both a certificate and a key file; set both or neither');
  }
  for (const v of ['CUNZHANG_TLS_CERT', 'CUNZHANG_TLS_KEY'] as const) {
    if (e[v] && !existsSync(e[v])) throw new ConfigError(v, `file ${e[v]} does not exist`);
  }
  const tls = e.CUNZHANG_TLS_CERT && e.CUNZHANG_TLS_KEY ? { cert: e.CUNZHANG_TLS_CERT, key: e.CUNZHANG_TLS_KEY } : null;
  return Object.freeze({
    port: e.CUNZHANG_PORT,
    host: e.CUNZHANG_HOST,
    dataDir: path.resolve(e.CUNZHANG_DATA_DIR),
    databaseUrl: e.CUNZHANG_DATABASE_URL,
    mqttUrl: e.CUNZHANG_MQTT_URL,
    mqttPort: e.CUNZHANG_MQTT_PORT,
    demo: e.CUNZHANG_DEMO,
    tz: e.CUNZHANG_TZ,
    logLevel: e.CUNZHANG_LOG_LEVEL,
    masterKeyHex: e.CUNZHANG_MASTER_KEY,
    tls,
    trustProxy: e.CUNZHANG_TRUST_PROXY,
    cookieSecure: e.CUNZHANG_COOKIE_SECURE === 'auto' ? tls !== null || e.CUNZHANG_TRUST_PROXY : e.CUNZHANG_COOKIE_SECURE === 'true',
    sessionHours: e.CUNZHANG_SESSION_HOURS,
    maxFailedLogins: e.CUNZHANG_MAX_FAILED_LOGINS,
    lockoutMinutes: e.CUNZHANG_LOCKOUT_MINUTES,
    loginRatePerMinute: e.CUNZHANG_LOGIN_RATE_PER_MINUTE,
    bodyLimitBytes: e.CUNZHANG_BODY_LIMIT_KB * 1024,
    uploadLimitBytes: Math.round(e.CUNZHANG_UPLOAD_LIMIT_MB * 1024 * 1024),
    uploadTotalLimitBytes: Math.round(e.CUNZHANG_UPLOAD_TOTAL_LIMIT_MB * 1024 * 1024),
    separateApprovalAndCustody: e.CUNZHANG_SEPARATE_APPROVAL_AND_CUSTODY,
    maxPhotoPixels: Math.round(e.CUNZHANG_MAX_PHOTO_MEGAPIXELS * 1_000_000),
    maxPages: e.CUNZHANG_MAX_PAGES,
    maxImpressions: e.CUNZHANG_MAX_IMPRESSIONS,
    reminderMinutes: e.CUNZHANG_REMINDER_MINUTES,
    applicationExpiryDays: e.CUNZHANG_APPLICATION_EXPIRY_DAYS,
    unlockSecondPerson: e.CUNZHANG_UNLOCK_SECOND_PERSON,
    deviceClockToleranceMs: e.CUNZHANG_DEVICE_CLOCK_TOLERANCE_S * 1000,
    // One thread per core, at most 4; none on a single core (nothing to gain there).
    verifyThreads: e.CUNZHANG_VERIFY_THREADS ?? (availableParallelism() > 1 ? Math.min(4, availableParallelism()) : 0),
    mqttShareGroup: e.CUNZHANG_MQTT_SHARE_GROUP ?? null,
    mqttPublicUrl: e.CUNZHANG_MQTT_PUBLIC_URL ?? null,
    alarmWebhooks: (e.CUNZHANG_ALARM_WEBHOOKS ?? '').split(',').filter(Boolean).map((w) => {
      const i = w.indexOf(':');
      return { kind: w.slice(0, i) as 'dingtalk' | 'wecom', url: w.slice(i + 1) };
    }),
    virtualDevices: e.CUNZHANG_VIRTUAL_DEVICES,
    publicUrl: e.CUNZHANG_PUBLIC_URL ? e.CUNZHANG_PUBLIC_URL.replace(/\/+$/, '') : null,
  });
}
