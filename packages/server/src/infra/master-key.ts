import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config.js';

/**
 * The key that protects personal numbers at rest. From CUNZHANG_MASTER_KEY when set (required
 * when several servers share one database); otherwise generated once into the data dir.
 */
export function loadMasterKey(dataDir: string, hex: string | undefined): Buffer {
  if (hex) return Buffer.from(hex, 'hex');
  const file = path.join(dataDir, 'keys', 'master.key');
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/i.test(text)) throw new ConfigError('CUNZHANG_DATA_DIR', `${file} is not a 64-hex-digit key; restore it from your backup`);
    return Buffer.from(text, 'hex');
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('hex'), { mode: 0o600 });
  return key;
}
