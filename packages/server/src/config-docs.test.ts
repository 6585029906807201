import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from './config.js';
import { REPO_ROOT } from './server.js';

const read = (f: string): string => readFileSync(path.join(REPO_ROOT, f), 'utf8');

describe('every setting is documented', () => {
  it.each(CONFIG_VARIABLES)('%s is in .env.example and docs/configuration.md', (name) => {
    expect(read('.env.example')).toMatch(new RegExp(`^${name}=`, 'm'));
    expect(read('docs/configuration.md')).toContain(`\`${name}\``);
  });

  it('documents nothing that is not a setting', () => {
    const documented = [...read('.env.example').matchAll(/^(CUNZHANG_[A-Z_]+)=/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});
