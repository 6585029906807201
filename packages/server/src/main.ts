import { ConfigError, loadConfig } from './config.js';
import type { Role } from '@cunzhang/core';
import { DEMO_LOGINS, DEMO_PASSWORD, DEMO_TOTP_SECRET } from './demo/seed.js';

const ROLE_NAMES_ZH: Record<Role, string> = {
  applicant: '申请人', service_clerk: '代办点经办人', seal_keeper: '印章保管人', village_approver: '村审批人', station_officer: '镇经管站',
  town_leader: '分管领导', supervisor: '监督人员', auditor: '审计组', sys_admin: '系统管理员', sec_admin: '安全管理员', audit_admin: '安全审计员',
};

async function main(): Promise<void> {
  // Configuration first: a bad value is reported before the heavy modules load.
  const config = loadConfig();
  const { startServer } = await import('./server.js');
  const server = await startServer(config);
  const lines = [
    '',
    `cunzhang 村章 is running at ${server.url}  (API docs ${server.url}/docs)`,
    `  database: ${server.runtime.database.dialect}${server.runtime.database.file ? ` (${server.runtime.database.file})` : ''}`,
    `  MQTT: ${server.broker.mode}${server.broker.port ? ` on port ${server.broker.port}` : ''}`,
  ];
  if (config.demo) {
    lines.push(
      '',
      '  DEMO MODE (CUNZHANG_DEMO=true) — sample data of 鹤山镇, not for real use.',
      `  Demo logins, all with password ${DEMO_PASSWORD}:`,
      ...DEMO_LOGINS.map((d) => `    ${d.phone}  ${d.name.padEnd(5, '　')} ${ROLE_NAMES_ZH[d.role].padEnd(7, '　')} ${d.role}${d.totp ? '  (TOTP)' : ''}`),
      `  TOTP secret of the demo administrators: ${DEMO_TOTP_SECRET}`,
      '  (add it to an authenticator app, or print a code: npm run cunzhang -- totp-code ' + DEMO_TOTP_SECRET + ')',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
  const stop = async (signal: string): Promise<void> => {
    server.app.log.info(`${signal}: shutting down`);
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`cunzhang: cannot start: ${e.message}\n`);
  } else {
    process.stderr.write(`cunzhang: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  process.exit(1);
});
