import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The server (packages/server) serves dist/ with a strict CSP (script-src 'self'):
// the build must not emit inline scripts, and nothing may need eval.
export default defineConfig({
  plugins: [react()],
  // antd is hoisted to the workspace root next to an older React pulled in by other
  // packages; resolve React once, from this package, so hooks see a single copy.
  resolve: { dedupe: ['react', 'react-dom'] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1200,
    // dist/.vite/manifest.json: which chunks each entry and lazy screen loads
    // (bench/web-bundle.bench.ts sums the first screen's JavaScript from it).
    manifest: true,
    // Keep the app shell free of inline scripts (CSP).
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:18181' } },
});
