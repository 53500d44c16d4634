/** Helpers of benchmark (b) for the service child process: ports, readiness, its own Evaluate timings, IPC. */
import { type ChildProcess } from 'child_process';
import { createServer } from 'net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the risk service exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the risk service did not become ready');
}

/**
 * Cumulative bucket counts of the service's own Evaluate timings: `grpc_server_seconds` of the gRPC edge (libs/grpc),
 * from the call's arrival at the transport (caller guard, validation, controller, error filter) to its answer.
 */
export async function evaluateBuckets(metricsUrl: string): Promise<Map<number, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('grpc_server_seconds_bucket{') || !line.includes('method="Evaluate"')) continue;
    if (!line.includes('code="0"')) continue;
    const le = /le="([^"]+)"/.exec(line)![1]!;
    buckets.set(le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/** Upper bound of the bucket holding each percentile of the calls between two snapshots. */
export function bucketPercentiles(
  before: Map<number, number>,
  after: Map<number, number>,
  ps: number[],
): string[] {
  const diff = [...after]
    .map(([le, n]) => [le, n - (before.get(le) ?? 0)] as const)
    .sort((a, b) => a[0] - b[0]);
  const total = diff[diff.length - 1]?.[1] ?? 0;
  return ps.map((p) => {
    const hit = diff.find(([, n]) => n >= (p / 100) * total);
    return hit ? `≤ ${(hit[0] * 1000).toFixed(2)}` : '-';
  });
}

/** Sends a request to a child over IPC and resolves with its answer (`{ probe: key, ... }`). */
export function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (m?.probe !== key) return;
      child.off('message', on);
      resolve(m as T);
    };
    child.on('message', on);
    child.send(message);
  });
}
