import { verifyAuditTrail } from '@cunzhang/store';
import { withRuntime, type Out } from '../context.js';

/** cunzhang verify: recomputes the audit chain; exit code 1 names the first bad entry. */
export async function verifyCommand(out: Out, env?: NodeJS.ProcessEnv): Promise<boolean> {
  const r = await withRuntime((rt) => verifyAuditTrail(rt.database), env);
  if (r.ok) {
    out(`audit trail intact: ${r.checked} entries, head ${r.headHash}`);
    return true;
  }
  out(`audit trail BROKEN at entry ${r.firstBad?.seq}: ${r.firstBad?.reason} (${r.checked} entries before it are intact)`);
  return false;
}
