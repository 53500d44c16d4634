/**
 * RiskEngine.Evaluate p99 at a fixed rate over mutual TLS: each side's risk service (apps/risk/src/main.ts of its
 * tree), driven by this tree's open-loop generator (bench/risk/load-generator.ts), latency from the intended send.
 */
import { fork, type ChildProcess } from 'child_process';
import { join } from 'path';
import { freePort, uniqueName, workspaceRoot, type TestDatabase } from '@wxpay/testing';
import { type LoadJob, type LoadReport } from '../risk/load-generator';
import { percentile, summarize } from '../support/stats';
import {
  cpuMs,
  databaseIn,
  forkIn,
  inTurn,
  stopChild,
  waitHttpReady,
  type SideFigures,
  type Tree,
} from './trees';

async function generate(job: LoadJob): Promise<LoadReport> {
  const root = workspaceRoot();
  const generator = fork(join(root, 'bench/risk/load-generator.ts'), [], {
    execArgv: ['--expose-gc', '-r', join(root, 'tools/ts-register.js')],
  });
  return new Promise<LoadReport>((resolve, reject) => {
    generator.on('message', (m: { ready?: boolean; report?: LoadReport; error?: string }) => {
      if (m.ready) generator.send({ go: true });
      else if (m.report) resolve(m.report);
      else if (m.error) reject(new Error(`the load generator failed: ${m.error}`));
    });
    generator.once('exit', (code) => code && reject(new Error(`the load generator exited with ${code}`)));
    generator.send(job);
  });
}

export async function compareRisk(
  sides: Tree[],
  pki: string,
  rate: number,
  rounds: number,
  seconds: number,
): Promise<SideFigures[]> {
  interface Side {
    tree: Tree;
    db: TestDatabase;
    child: ChildProcess;
    address: string;
    calls: number;
    seconds: number;
    cpu: number;
    latencies: number[];
    roundP99s: number[];
    errors: number;
  }
  const running: Side[] = [];
  try {
    for (const tree of sides) {
      const db = await databaseIn(tree, 'risk', 'before_after_risk');
      const [grpcPort, httpPort] = [await freePort(), await freePort()];
      const child = forkIn(tree, 'apps/risk/src/main.ts', {
        ...process.env,
        RISK_DATABASE_URL: db.url,
        PKI_DIR: pki,
        RISK_GRPC_PORT: String(grpcPort),
        RISK_HTTP_PORT: String(httpPort),
        RISK_CONSUMER_GROUP: uniqueName('before-after-risk'),
        RISK_DECISION_DURABILITY: 'async',
        RISK_STREAM: 'off',
        LOG_LEVEL: 'warn',
      });
      const address = `127.0.0.1:${grpcPort}`;
      running.push({
        tree,
        db,
        child,
        address,
        calls: 0,
        seconds: 0,
        cpu: 0,
        latencies: [],
        roundP99s: [],
        errors: 0,
      });
      await waitHttpReady(`http://127.0.0.1:${httpPort}/health/ready`, child);
    }
    for (let round = 0; round < rounds; round++) {
      for (const side of inTurn(running, round)) {
        const cpu0 = cpuMs(side.child.pid!);
        const report = await generate({
          address: side.address,
          pkiDir: pki,
          rate,
          seconds,
          warmupSeconds: 2,
          tag: uniqueName(`${side.tree.name}-${round}`),
          client: 'frames',
          timeline: false,
        });
        side.cpu += cpuMs(side.child.pid!) - cpu0;
        side.calls += report.fromIntended.length;
        side.seconds += report.seconds;
        side.latencies.push(...report.fromIntended);
        side.errors += report.errors.reduce((n, [, count]) => n + count, 0);
        side.roundP99s.push(summarize(report.fromIntended).p99);
        console.log(
          `risk round ${round + 1}, ${side.tree.name}: p99 ${side.roundP99s.at(-1)!.toFixed(2)} ms`,
        );
      }
    }
    return running.map((s) => {
      if (s.errors) throw new Error(`${s.tree.name}: ${s.errors} Evaluate calls failed`);
      return {
        side: s.tree.name,
        perSecond: s.calls / s.seconds,
        p99Ms: summarize(s.latencies).p99,
        p99MedianOfRoundsMs: percentile(
          [...s.roundP99s].sort((a, b) => a - b),
          50,
        ),
        roundP99sMs: s.roundP99s,
        // The warm-up's calls are in the CPU too: per call it is over-counted alike on both sides.
        serverCpuMs: s.cpu / s.calls,
      };
    });
  } finally {
    for (const s of running) {
      await stopChild(s.child, 'SIGTERM');
      await s.db.drop();
    }
  }
}
