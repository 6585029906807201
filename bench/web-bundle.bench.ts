// The phone app's first screen: how much gzipped JavaScript a village phone loads to show the
// log-in page and then the applicant's first screens (the workbench, and the apply screen one
// tap away). Issue 3 sets a budget of 250 KB. Runs the production build (into a temporary
// directory, so a running server's dist/ is left alone), reads Vite's manifest and sums the
// gzipped size of each chunk those screens load: the entry and its static imports, the shell
// behind the log-in and its static imports, and the apply screen's chunk and its imports.
// Lazily loaded screens (ledger, registry, antd) are not counted: the first screen does not
// load them. Exits 1 over budget.
//
// Run: npx tsx bench/web-bundle.bench.ts
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_KB = 250;
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const WEB = fileURLToPath(new URL('../packages/web/', import.meta.url));

/** The chunks of the first screens, by their source in the manifest. */
const STEPS: { label: string; key: string }[] = [
  { label: 'log-in (entry)', key: 'index.html' },
  { label: 'shell + workbench', key: 'src/shell/Shell.tsx' },
  { label: 'apply screen', key: 'src/phone/Apply.tsx' },
];

interface Chunk { file: string; imports?: string[]; dynamicImports?: string[]; isEntry?: boolean }

const out = mkdtempSync(join(tmpdir(), 'cz-web-bundle-'));
try {
  const build = spawnSync('npx', ['vite', 'build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: WEB, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the production build failed');
  const manifestPath = join(out, '.vite', 'manifest.json');
  if (!existsSync(manifestPath)) throw new Error(`no manifest at ${manifestPath}: build.manifest must be on in packages/web/vite.config.ts`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, Chunk>;
  const gz = new Map<string, number>();
  const sizeOf = (file: string) => {
    if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(join(out, file))).length);
    return gz.get(file)!;
  };

  // Each step adds the chunks it needs that earlier steps have not loaded yet.
  const loaded = new Set<string>();
  let total = 0;
  for (const step of STEPS) {
    if (!manifest[step.key]) throw new Error(`${step.key} is not in the manifest: has the screen moved?`);
    const stack = [step.key];
    let added = 0;
    const files: string[] = [];
    while (stack.length) {
      const key = stack.pop()!;
      if (loaded.has(key)) continue;
      loaded.add(key);
      const chunk = manifest[key]!;
      if (chunk.file.endsWith('.js')) {
        added += sizeOf(chunk.file);
        files.push(chunk.file);
      }
      stack.push(...(chunk.imports ?? []));
    }
    total += added;
    console.log(`${step.label.padEnd(20)} +${(added / 1024).toFixed(1).padStart(6)} KB gzip  (${files.length} chunks: ${files.map((f) => f.replace(/^assets\//, '')).join(', ')})`);
  }
  const allJs = Object.values(manifest).filter((c) => c.file.endsWith('.js')).reduce((s, c) => s + sizeOf(c.file), 0);
  const totalKb = total / 1024;
  console.log(`first screens: ${totalKb.toFixed(1)} KB of gzipped JavaScript (budget ${BUDGET_KB} KB); the whole app: ${(allJs / 1024).toFixed(1)} KB`);

  const results: Record<string, unknown> = existsSync(RESULTS) ? JSON.parse(readFileSync(RESULTS, 'utf8')) : {};
  results.web_first_screen_js_gzip = {
    value: Number(totalKb.toFixed(1)),
    unit: 'KB',
    baseline: BUDGET_KB,
    ratio: Number((totalKb / BUDGET_KB).toFixed(2)),
  };
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`written to ${RESULTS}`);
  if (totalKb > BUDGET_KB) {
    console.error(`over budget: ${totalKb.toFixed(1)} KB > ${BUDGET_KB} KB`);
    process.exitCode = 1;
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
