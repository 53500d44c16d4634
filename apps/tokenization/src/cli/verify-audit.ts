import { createLogger } from '@wxpay/observability';
import { loadConfig, SERVICE_NAME } from '../config';
import { lastCheckpoint, readCheckpointFile } from '../persistence/audit-checkpoints';
import { verifyAuditChain } from '../persistence/audit-verifier';
import { openVaultContext } from '../vault-context';
import { fail, print } from './cli-database';

/**
 * `node -r ./tools/ts-register.js apps/tokenization/src/cli/verify-audit.ts`
 * Recomputes the audit chain from the first entry with the audit key (both shares needed, like the service) and
 * holds it against the last checkpoint written outside the database (TOKENIZATION_AUDIT_CHECKPOINT_FILE); exits 0
 * when intact, 1 naming the first broken entry.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({
    service: `${SERVICE_NAME}-verify-audit`,
    level: process.env.LOG_LEVEL ?? 'warn',
  });
  const { vault, close } = await openVaultContext({ config, logger });
  try {
    const mac = (data: Buffer) => vault.ring.auditMac(data);
    const { last, rejected } = lastCheckpoint(readCheckpointFile(config.auditCheckpoint.file), mac);
    if (rejected)
      print(`${rejected} checkpoint line(s) failed their MAC (forged or damaged) and were ignored`);
    if (!last) print(`no checkpoint in ${config.auditCheckpoint.file}: a cut tail cannot be told`);
    const result = await verifyAuditChain(vault.deps.dataSource.manager, mac, { checkpoint: last });
    if (result.ok) {
      print(
        `audit chain intact: ${result.checked} entries, head at entry ${result.headSeq}` +
          (last ? `, checkpoint at entry ${last.seq} (${last.at}) reached` : ''),
      );
      if (rejected) process.exitCode = 1;
      return;
    }
    print(`audit chain BROKEN at entry ${result.firstBroken!.seq}: ${result.firstBroken!.problem}`);
    print(`(${result.checked} entries before it verified)`);
    process.exitCode = 1;
  } finally {
    await close();
  }
}

main().catch(fail);
