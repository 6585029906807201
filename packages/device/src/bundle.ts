import { provisioningBundle, type ProvisioningBundle } from '@cunzhang/protocol';

/** A provisioning bundle that cannot be used; `field` names the offending member (e.g. "mqtt.password"). */
export class BundleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BundleError';
  }
}

/** Checks a bundle (already parsed JSON) against the protocol schema; `where` prefixes the message (file, line). */
export function parseBundle(value: unknown, where = 'bundle'): ProvisioningBundle {
  const parsed = provisioningBundle.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const extra = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const segments = [...issue.path, ...(extra ? [extra] : [])];
    const field = segments.length ? segments.join('.') : '(whole bundle)';
    const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
    throw new BundleError(field, `${where}: ${field}: ${extra ? 'unknown field' : missing ? 'missing' : issue.message}`);
  }
  return parsed.data;
}

/** Reads a bundle from JSON text. */
export function bundleFromJson(text: string, where = 'bundle'): ProvisioningBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BundleError('(whole bundle)', `${where}: not JSON (${(e as Error).message})`);
  }
  return parseBundle(value, where);
}

/** Reads one bundle per line (blank lines and lines starting with # are skipped). */
export function bundlesFromJsonl(text: string, where = 'bundles'): ProvisioningBundle[] {
  const out: ProvisioningBundle[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const b = bundleFromJson(t, `${where} line ${i + 1}`);
    if (seen.has(b.dev)) throw new BundleError('dev', `${where} line ${i + 1}: dev: device ${b.dev} appears twice`);
    seen.add(b.dev);
    out.push(b);
  });
  return out;
}

/** The device's signing key: from the bundle, or given separately for a device whose key lives in a secure element. */
export function privateKeyOf(bundle: ProvisioningBundle, override?: string): string {
  const key = override ?? bundle.private_key;
  if (!key) throw new BundleError('private_key', `bundle of ${bundle.dev}: private_key: missing (the emulator signs events with it; this device's key pair was generated on the device, so pass its key separately)`);
  if (!/^[0-9a-f]{64}$/.test(key)) throw new BundleError('private_key', `bundle of ${bundle.dev}: private_key: must be 64 lower-case hex digits`);
  return key;
}
