import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEVICE_ID_PATTERN, downTopic, mayPublish, maySubscribe, parseTopic, SERVER_SUBSCRIPTION, UP_KINDS, upTopic } from './topics.js';

/** The broker ACL of docs/device-protocol.md §4.3, as properties. */
const devA = fc.stringMatching(DEVICE_ID_PATTERN);
const kindA = fc.constantFrom(...UP_KINDS);
/** Topic-like strings made of the protocol's own words, ids and wildcards: the near misses. */
const segmentA = fc.oneof(devA, fc.constantFrom('cz', 'v1', 'd', 'up', 'down', 'ev', 'hb', 'will', 'cmd', '+', '#', '', '$share', 'cunzhang', 'CZ', 'cz/v1/d'), fc.string({ maxLength: 6 }));
const topicA = (extra: fc.Arbitrary<string>) => fc.oneof(fc.array(fc.oneof(segmentA, extra), { minLength: 1, maxLength: 8 }).map((s) => s.join('/')), fc.string());

describe('topics', () => {
  it('parse what they build', () => {
    fc.assert(fc.property(devA, kindA, (dev, kind) => {
      expect(parseTopic(upTopic(dev, kind))).toEqual({ ok: true, deviceId: dev, direction: 'up', kind });
      expect(parseTopic(downTopic(dev))).toEqual({ ok: true, deviceId: dev, direction: 'down', kind: 'cmd' });
    }));
  });

  it('parseTopic never throws and explains a refusal', () => {
    fc.assert(fc.property(topicA(fc.constant('x')), (t) => {
      const r = parseTopic(t);
      if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
      else expect(r.direction === 'up' ? upTopic(r.deviceId, r.kind) : downTopic(r.deviceId)).toBe(t);
    }), { numRuns: 500 });
  });

  it('a device may publish only to its own up topics', () => {
    fc.assert(fc.property(devA, topicA(devA), (dev, t) => {
      const own = UP_KINDS.map((k) => upTopic(dev, k));
      expect(mayPublish(dev, t)).toBe(own.includes(t));
    }), { numRuns: 1000 });
  });

  it("a device may never publish to another device's topics, up or down", () => {
    fc.assert(fc.property(devA, devA, kindA, (a, b, kind) => {
      fc.pre(a !== b);
      expect(mayPublish(a, upTopic(b, kind))).toBe(false);
      expect(mayPublish(a, downTopic(b))).toBe(false);
      expect(mayPublish(a, downTopic(a))).toBe(false);
      expect(mayPublish(a, upTopic(a, kind))).toBe(true);
    }), { numRuns: 500 });
  });

  it('a device may subscribe only to exactly its own command topic: no wildcards, no shared subscriptions', () => {
    fc.assert(fc.property(devA, topicA(devA), (dev, f) => {
      expect(maySubscribe(dev, f)).toBe(f === downTopic(dev));
      if (/[+#]/.test(f) || f.startsWith('$')) expect(maySubscribe(dev, f)).toBe(false);
    }), { numRuns: 1000 });
    fc.assert(fc.property(devA, devA, (a, b) => {
      fc.pre(a !== b);
      expect(maySubscribe(a, downTopic(b))).toBe(false);
      expect(maySubscribe(a, SERVER_SUBSCRIPTION)).toBe(false);
      expect(maySubscribe(a, `$share/cunzhang/${downTopic(a)}`)).toBe(false);
      expect(maySubscribe(a, downTopic(a).replace(a, '+'))).toBe(false);
    }), { numRuns: 200 });
  });
});
