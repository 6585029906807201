#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the same sources serve the server and the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
