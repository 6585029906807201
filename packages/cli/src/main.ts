import { AppError } from '@cunzhang/core';
import { ConfigError, loadConfig } from '@cunzhang/server';
import { migrateToLatest, openDatabase } from '@cunzhang/store';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { backupCommand, restoreCommand } from './commands/backup.js';
import { importDivisionsCommand } from './commands/import-divisions.js';
import { addUserCommand, totpCodeCommand } from './commands/users.js';
import { verifyCommand } from './commands/verify.js';
import { UsageError, type Out } from './context.js';

const HELP = `cunzhang — command line of the village seal platform

  cunzhang import-divisions FILE.csv[.gz] [--town CODE]   import village units (idempotent)
  cunzhang add-user --phone P --name N --org CODE --role ROLE
                                                          ROLE: applicant, service_clerk, seal_keeper, village_approver,
                                                          station_officer, town_leader, supervisor, auditor,
                                                          sys_admin, sec_admin, audit_admin
                                                          create an account (password from CUNZHANG_NEW_PASSWORD or stdin)
  cunzhang verify                                         recompute the audit hash chain
  cunzhang backup [--out DIR]                             snapshot the SQLite database and files
  cunzhang restore DIR [--force]                          restore a backup into CUNZHANG_DATA_DIR
  cunzhang migrate                                        bring the database schema up to date
  cunzhang totp-code SECRET                               print the current TOTP code of a secret

Storage is chosen by the same CUNZHANG_* variables as the server (docs/configuration.md).`;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Runs one command; returns the exit code. */
export async function run(argv: string[], out: Out = (l) => process.stdout.write(`${l}\n`), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...rest] = argv;
  const parse = (options: ParseArgsConfig['options'] = {}) =>
    parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  try {
    switch (command) {
      case 'import-divisions': {
        const { values, positionals } = parse({ town: { type: 'string' } });
        if (positionals.length !== 1) throw new UsageError('give exactly one CSV file');
        await importDivisionsCommand({ file: positionals[0]!, town: values.town as string | undefined }, out, env);
        return 0;
      }
      case 'verify':
        parse();
        return (await verifyCommand(out, env)) ? 0 : 1;
      case 'backup': {
        const { values } = parse({ out: { type: 'string' } });
        await backupCommand({ out: values.out as string | undefined }, out, env);
        return 0;
      }
      case 'restore': {
        const { values, positionals } = parse({ force: { type: 'boolean', default: false } });
        if (positionals.length !== 1) throw new UsageError('give the backup directory');
        await restoreCommand({ dir: positionals[0]!, force: values.force as boolean }, out, env);
        return 0;
      }
      case 'add-user': {
        const { values } = parse({ phone: { type: 'string' }, name: { type: 'string' }, org: { type: 'string' }, role: { type: 'string' } });
        const password = env.CUNZHANG_NEW_PASSWORD ?? (await readStdin());
        if (!password) throw new UsageError('give the password in CUNZHANG_NEW_PASSWORD or on standard input');
        const { CUNZHANG_NEW_PASSWORD: _omit, ...rest2 } = env;
        await addUserCommand({ ...(values as Record<string, string | undefined>), password }, out, rest2);
        return 0;
      }
      case 'migrate': {
        parse();
        const config = loadConfig(env);
        const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
        const applied = await migrateToLatest(database).finally(() => database.close());
        out(applied.length ? `applied ${applied.join(', ')}` : 'schema is up to date');
        return 0;
      }
      case 'totp-code': {
        const { positionals } = parse();
        totpCodeCommand(positionals[0], out);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}; run cunzhang help`);
    }
  } catch (e) {
    const msg = e instanceof AppError || e instanceof ConfigError || e instanceof UsageError ? e.message
      : (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? (e as Error).message
      : e instanceof Error ? e.message : String(e);
    process.stderr.write(`cunzhang ${command ?? ''}: ${msg}\n`);
    return e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cunzhang.js')) {
  process.exitCode = await run(process.argv.slice(2));
}
