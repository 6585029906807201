import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TEST_KEYS, VECTORS_DIR } from '../scripts/make-vectors.js';
import { authToken, command, COMMAND_TYPES, deviceEvent, EVENT_TYPES, heartbeat, parsePayload, provisioningBundle, will } from './messages.js';
import { checkMac, publicKeyOf, verify } from './sign.js';

/**
 * Keeps docs/device-protocol.md honest: every ```json block preceded by
 * `<!-- schema: <name>[; vector: <file>] -->` must parse with that schema, carry a signature
 * (or MAC) that verifies with the TEST keys of §14, and equal the named vector file.
 */
const DOC = join(VECTORS_DIR, '..', '..', '..', 'docs', 'device-protocol.md');
const schemas = { deviceEvent, heartbeat, command, authToken, will, provisioningBundle } as const;
type SchemaName = keyof typeof schemas;

interface Example { schema: string; vector: string | undefined; json: string; line: number }

function examples(markdown: string): Example[] {
  const out: Example[] = [];
  const re = /<!-- schema: (\w+)(?:; vector: (\w+))? -->\n```json\n([\s\S]*?)```/g;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) {
    out.push({ schema: m[1]!, vector: m[2], json: m[3]!, line: markdown.slice(0, m.index).split('\n').length });
  }
  return out;
}

const doc = readFileSync(DOC, 'utf8');
const found = examples(doc);
const label = (e: Example) => `line ${e.line}: ${e.schema}${e.vector ? ` (${e.vector})` : ''}`;

describe('docs/device-protocol.md examples', () => {
  it('finds every marked example (each ```json block follows a schema marker)', () => {
    expect(found.length).toBeGreaterThanOrEqual(19);
    expect(doc.match(/```json\n/g)?.length).toBe(found.length);
  });

  it('shows every event type and every command type at least once', () => {
    const types = (schema: SchemaName) => new Set(found.filter((e) => e.schema === schema).map((e) => (JSON.parse(e.json) as { type: string }).type));
    expect([...types('deviceEvent')].sort()).toEqual([...EVENT_TYPES].sort());
    expect([...types('command')].sort()).toEqual([...COMMAND_TYPES].sort());
    for (const s of ['heartbeat', 'authToken', 'will', 'provisioningBundle'] as const) expect(found.some((e) => e.schema === s), s).toBe(true);
  });

  it.each(found.map((e) => [label(e), e] as const))('%s parses with its schema', (_l, e) => {
    expect(Object.keys(schemas)).toContain(e.schema);
    const parsed = parsePayload(schemas[e.schema as SchemaName] as never, e.json);
    expect(parsed).toEqual({ ok: true, value: JSON.parse(e.json) });
  });

  it.each(found.map((e) => [label(e), e] as const))('%s is authentic under the TEST keys and equals its vector', (_l, e) => {
    const m = JSON.parse(e.json) as Record<string, unknown> & { sig: string; mac: string };
    if (e.schema === 'deviceEvent') expect(verify(m, publicKeyOf(TEST_KEYS.device))).toBe(true);
    if (e.schema === 'command' || e.schema === 'authToken') expect(verify(m, publicKeyOf(TEST_KEYS.platform))).toBe(true);
    if (e.schema === 'heartbeat') expect(checkMac(m, TEST_KEYS.hbKey)).toBe(true);
    if (e.vector) expect(m).toEqual(JSON.parse(readFileSync(join(VECTORS_DIR, `${e.vector}.json`), 'utf8')));
  });

  it('cites each section the code cites', () => {
    for (const s of ['3', '4.1', '4.2', '4.3', '5.1', '5.3', '6', '7', '7.2', '8.2', '8.3', '9', '10', '11', '12', '13', '14', '15']) {
      expect(doc, `§${s}`).toMatch(new RegExp(`^#{2,4} ${s.replace('.', '\\.')}\\. `, 'm'));
    }
  });
});
