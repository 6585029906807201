/**
 * MQTT topics of the device protocol (docs/device-protocol.md §3). Every device has its own
 * branch; the broker lets a device publish only under its `up/` and subscribe only to its
 * `down/` (§4.3), so the topic itself says which device spoke.
 */
export const TOPIC_ROOT = 'cz/v1/d';

/** Device ids: 'CZ' and 10 characters of Crockford base32, e.g. CZ7K2M9Q4T8W. */
export const DEVICE_ID_PATTERN = /^CZ[0-9A-HJKMNP-TV-Z]{10}$/;

/** ev: signed events; hb: heartbeats (HMAC); will: the broker's last-will notice that the link dropped. */
export const UP_KINDS = ['ev', 'hb', 'will'] as const;
export type UpKind = (typeof UP_KINDS)[number];

export const upTopic = (deviceId: string, kind: UpKind): string => `${TOPIC_ROOT}/${deviceId}/up/${kind}`;
export const downTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/down/cmd`;

/** What the platform subscribes to (with `$share/<group>/` in front on an external broker). */
export const SERVER_SUBSCRIPTION = `${TOPIC_ROOT}/+/up/+`;

export type ParsedTopic =
  | { ok: true; deviceId: string; direction: 'up'; kind: UpKind }
  | { ok: true; deviceId: string; direction: 'down'; kind: 'cmd' }
  | { ok: false; reason: string };

export function parseTopic(topic: string): ParsedTopic {
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}/${parts[2]}` !== TOPIC_ROOT) return { ok: false, reason: `topic ${JSON.stringify(topic)} is not under ${TOPIC_ROOT}/<device>/(up|down)/<kind>` };
  const [, , , deviceId, direction, kind] = parts as [string, string, string, string, string, string];
  if (!DEVICE_ID_PATTERN.test(deviceId)) return { ok: false, reason: `topic ${JSON.stringify(topic)}: ${JSON.stringify(deviceId)} is not a device id` };
  if (direction === 'up' && (UP_KINDS as readonly string[]).includes(kind)) return { ok: true, deviceId, direction, kind: kind as UpKind };
  if (direction === 'down' && kind === 'cmd') return { ok: true, deviceId, direction, kind };
  return { ok: false, reason: `topic ${JSON.stringify(topic)}: unknown ${direction}/${kind}` };
}

/** May the device authenticated as `deviceId` publish here? (§4.3) */
export const mayPublish = (deviceId: string, topic: string): boolean => {
  const t = parseTopic(topic);
  return t.ok && t.direction === 'up' && t.deviceId === deviceId;
};

/** May the device subscribe to this filter? Only its own command topic (no wildcards). (§4.3) */
export const maySubscribe = (deviceId: string, filter: string): boolean => filter === downTopic(deviceId);
