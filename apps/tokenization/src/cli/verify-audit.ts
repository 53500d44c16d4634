import { verifyAuditChain } from '../persistence/audit-verifier';
import { fail, openCliDatabase, print } from './cli-database';

/**
 * `node -r ./tools/ts-register.js apps/tokenization/src/cli/verify-audit.ts`
 * Recomputes the audit hash chain from the first entry; exits 0 when intact, 1 naming the first broken entry.
 */
async function main(): Promise<void> {
  const ds = await openCliDatabase('verify-audit');
  try {
    const result = await verifyAuditChain(ds.manager);
    if (result.ok) {
      print(`audit chain intact: ${result.checked} entries, head at entry ${result.headSeq}`);
      return;
    }
    print(`audit chain BROKEN at entry ${result.firstBroken!.seq}: ${result.firstBroken!.problem}`);
    print(`(${result.checked} entries before it verified)`);
    process.exitCode = 1;
  } finally {
    await ds.destroy();
  }
}

main().catch(fail);
