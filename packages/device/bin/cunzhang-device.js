#!/usr/bin/env node
// Runs the TypeScript emulator through tsx, like the cunzhang CLI.
import { register } from 'tsx/esm/api';

register();
const { main, processIo } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2), processIo());
// Open handles (stdin) must not keep a finished command alive.
process.exit();
