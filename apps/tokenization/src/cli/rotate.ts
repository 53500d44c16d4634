import { createLogger } from '@wxpay/observability';
import { loadConfig, SERVICE_NAME } from '../config';
import { kekName } from '../keys/key-ring';
import { openVaultContext } from '../vault-context';
import { fail, print } from './cli-database';

const USAGE = `usage: rotate.ts [--status] [--batch <n>]
  Re-wraps every data key under the current KEK (TOKENIZATION_KEK_CURRENT, default the highest of
  TOKENIZATION_KEK_VERSIONS), resuming an interrupted job from its cursor. Needs both shares of every
  loaded KEK, like the service. --status only reports what is left.`;

function parseArgs(argv: string[]): { status: boolean; batch?: number } {
  const out: { status: boolean; batch?: number } = { status: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--status') out.status = true;
    else if (argv[i] === '--batch' && /^\d+$/.test(argv[i + 1] ?? '')) out.batch = Number(argv[++i]);
    else throw new Error(USAGE);
  }
  return out;
}

/** `node -r ./tools/ts-register.js apps/tokenization/src/cli/rotate.ts [--status] [--batch 500]` */
async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const logger = createLogger({ service: `${SERVICE_NAME}-rotate`, level: process.env.LOG_LEVEL ?? 'warn' });
  const { vault, close } = await openVaultContext({ config, logger });
  try {
    const pending = await vault.rotation.pending();
    const left = [...pending].map(([v, n]) => `${n} under ${kekName(v)}`).join(', ');
    print(`current KEK: ${kekName(vault.ring.currentVersion)}; to re-wrap: ${left || 'nothing'}`);
    if (args.status) return;
    let lastPrint = 0;
    const outcome = await vault.rotation.run({
      batchSize: args.batch ?? config.rotation.batchSize,
      onBatch: (p) => {
        if (Date.now() - lastPrint < 1000) return;
        lastPrint = Date.now();
        print(`  job ${p.jobId}: batch ${p.batches}, up to ${p.last}`);
      },
    });
    if (!outcome) print('nothing to re-wrap');
    else {
      print(
        `job ${outcome.jobId} ${outcome.state}: ${outcome.rewrapped} data keys under ${kekName(outcome.targetVersion)}`,
      );
      if (outcome.retired.length) {
        print(`retired (wrap nothing; withdraw their shares): ${outcome.retired.map(kekName).join(', ')}`);
      }
    }
  } finally {
    await close();
  }
}

main().catch(fail);
