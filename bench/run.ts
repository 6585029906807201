// Runs every bench/*.bench.ts in its own process, one after another, so each benchmark
// has the machine to itself and a crash in one does not hide the others' figures. Each
// script merges its own entry into bench/results.json.
//
// Run: npx tsx bench/run.ts [name-filter]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && f.includes(filter))
  .sort();

let failed = 0;
for (const script of scripts) {
  console.log(`\n▶ ${script}`);
  const { status } = spawnSync(process.execPath, ['--import', 'tsx', `${dir}${script}`], { stdio: 'inherit' });
  if (status !== 0) failed++;
}
if (failed) {
  console.error(`${failed} of ${scripts.length} benchmarks failed`);
  process.exit(1);
}
