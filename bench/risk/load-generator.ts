/**
 * The open-loop load generator of benchmark (b), in its own process (forked by risk.bench.ts) so that neither the
 * service nor the benchmark's bookkeeping shares its event loop. Each call has an intended send time
 * (start + i / rate) fixed before the run; latency is measured from that time, so a generator or service stall
 * shows up in full in every call it delayed instead of being hidden by sending late (coordinated omission). The
 * generator's own lateness (actual − intended send) is reported beside it, so a tail that is the generator's
 * rather than the service's can be seen for what it is instead of being dropped.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { protoPath } from '@wxpay/contracts';
import { loadProtos } from '@wxpay/grpc';
import { createGrpcClient, unaryCall } from '@wxpay/testing';
import { FrameGrpcClient, grpcRequestHeaderBlock } from './frame-grpc-client';
import { grpcFrame, H2GrpcClient } from './h2-grpc-client';
import { LoopProbe, type ProbeReport } from './loop-probe';
import { generateTraffic } from './traffic';

export interface LoadJob {
  address: string;
  pkiDir: string;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** Makes attempt ids unique per run (the service answers a repeated id from its idempotency cache). */
  tag: string;
  client: GeneratorClient;
  /** Keep every call's timing and every pause (for tail attribution). */
  timeline: boolean;
}

export interface LoadReport {
  /** Per successful call, ms: answer − intended send time (the honest figure). */
  fromIntended: number[];
  /** Per successful call, ms: answer − actual send time (what the service and transport took). */
  fromSend: number[];
  /** Per call, ms: actual − intended send time (the generator's own lateness). */
  sendLag: number[];
  errors: [string, number][];
  seconds: number;
  probe: ProbeReport;
  /** Answers by decision: every successful call carried one. */
  decisions: [string, number][];
  /** With `timeline`: each call's intended send time (epoch ms) and latency from it (NaN when it failed). */
  calls?: { intendedAt: number[]; latency: number[] };
}

/**
 * frames: HTTP/2 frames written onto a TLS socket (default: the least CPU and garbage in the generator);
 * h2: Node's http2 client; grpc-js: the library client, as services call each other.
 */
export type GeneratorClient = 'frames' | 'h2' | 'grpc-js';

/** Sends `rate` calls per second for `seconds` on a schedule fixed in advance, whatever the answers. */
export function openLoop(
  rate: number,
  seconds: number,
  call: (i: number) => Promise<unknown>,
): Promise<Omit<LoadReport, 'probe' | 'decisions'>> {
  const total = Math.round(rate * seconds);
  const period = 1000 / rate;
  // Preallocated so that recording does not allocate (and collect) on the generator's loop during the run.
  const sentAt = new Float64Array(total);
  const doneAt = new Float64Array(total).fill(NaN);
  const errors = new Map<string, number>();
  const start = performance.now() + 2;
  return new Promise((resolve) => {
    let next = 0;
    let settled = 0;
    const settle = () => {
      if (++settled < total) return;
      const fromIntended: number[] = [];
      const fromSend: number[] = [];
      const sendLag: number[] = [];
      for (let i = 0; i < total; i++) {
        const intended = start + i * period;
        sendLag.push(sentAt[i]! - intended);
        if (Number.isNaN(doneAt[i]!)) continue;
        fromIntended.push(doneAt[i]! - intended);
        fromSend.push(doneAt[i]! - sentAt[i]!);
      }
      const end = Math.max(...doneAt.filter((d) => !Number.isNaN(d)), performance.now());
      const calls = {
        intendedAt: Array.from({ length: total }, (_, i) => performance.timeOrigin + start + i * period),
        latency: Array.from({ length: total }, (_, i) => doneAt[i]! - (start + i * period)),
      };
      resolve({ fromIntended, fromSend, sendLag, errors: [...errors], seconds: (end - start) / 1000, calls });
    };
    const tick = () => {
      // Everything due by now goes out now: a late timer sends a short burst rather than dropping calls.
      while (next < total && start + next * period <= performance.now()) {
        const i = next++;
        sentAt[i] = performance.now();
        call(i).then(
          () => {
            doneAt[i] = performance.now();
            settle();
          },
          (e: { code?: number; details?: string }) => {
            const key = `${e.code ?? '?'} ${e.details ?? String(e)}`.slice(0, 80);
            errors.set(key, (errors.get(key) ?? 0) + 1);
            settle();
          },
        );
      }
      if (next < total) setTimeout(tick, Math.max(0, start + next * period - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });
}

type ServiceDefinition = Record<
  string,
  { path: string; requestSerialize: (m: unknown) => Buffer; responseDeserialize: (b: Buffer) => unknown }
>;

const SERVICE = 'gateway.risk.v1.RiskEngine';
const DEADLINE_MS = 1000;

/** The generator's way of calling Evaluate (see GeneratorClient). */
async function evaluateCaller(job: LoadJob, requests: unknown[]) {
  const pkg = loadProtos([protoPath('gateway/risk/v1/risk.proto')]);
  const ca = readFileSync(join(job.pkiDir, 'ca.crt'));
  const cert = readFileSync(join(job.pkiDir, 'payment.crt'));
  const key = readFileSync(join(job.pkiDir, 'payment.key'));
  if (job.client === 'grpc-js') {
    const client = createGrpcClient(pkg, SERVICE, job.address, { enabled: true, ca, cert, key });
    return {
      call: (i: number) =>
        unaryCall<{ decision: string }>(client, 'Evaluate', requests[i], { deadlineMs: DEADLINE_MS }),
      close: () => client.close(),
    };
  }
  const evaluate = (pkg[SERVICE] as unknown as ServiceDefinition).Evaluate!;
  const decode = (b: Buffer) => evaluate.responseDeserialize(b) as { decision: string };
  if (job.client === 'frames') {
    const [host, port] = job.address.split(':') as [string, string];
    const headers = grpcRequestHeaderBlock(evaluate.path, job.address, DEADLINE_MS);
    const prepared = requests.map((r) =>
      FrameGrpcClient.prepare(headers, grpcFrame(evaluate.requestSerialize(r))),
    );
    const client = new FrameGrpcClient(host, Number(port), { ca, cert, key, servername: 'risk' });
    await client.connected();
    return {
      call: async (i: number) => decode(await client.unary(prepared[i]!)),
      close: () => client.close(),
    };
  }
  // Encoded before the clock starts: the run measures the call, not the encoding of its message.
  const frames = requests.map((r) => grpcFrame(evaluate.requestSerialize(r)));
  const client = new H2GrpcClient(job.address, { ca, cert, key, servername: 'risk' });
  await client.connected();
  return {
    call: async (i: number) => decode(await client.unary(evaluate.path, frames[i]!, DEADLINE_MS)),
    close: () => client.close(),
  };
}

async function run(job: LoadJob): Promise<LoadReport> {
  const traffic = generateTraffic({ attempts: job.rate * (job.seconds + 1), seed: 7 }).filter(
    (i) => i.kind === 'attempt',
  );
  const occurredAt = new Date().toISOString();
  const total = Math.round(job.rate * (job.warmupSeconds + job.seconds)) + 1;
  const requests = Array.from({ length: total }, (_, i) => {
    const a = traffic[i % traffic.length]!.attempt;
    return {
      attempt_id: `${a.attemptId}-${job.tag}-${i}`,
      card_token: a.cardToken,
      amount_minor: String(a.amountMinor),
      currency: a.currency,
      merchant_id: a.merchantId,
      mcc: a.mcc,
      scene: a.scene,
      payer_id: a.payerId,
      device_id: a.deviceId,
      ip: a.ip,
      geo: { coordinates: a.geo.point, country: a.geo.country, city: a.geo.city },
      occurred_at: occurredAt,
    };
  });
  const evaluate = await evaluateCaller(job, requests);
  let offset = 0;
  const decisions = new Map<string, number>();
  const call = async (i: number) => {
    const { decision } = await evaluate.call(offset + i);
    decisions.set(decision, (decisions.get(decision) ?? 0) + 1);
  };
  await call(0); // the TLS connection
  offset = 1;
  await openLoop(job.rate, job.warmupSeconds, call); // warm-up: JIT, pools, both processes
  offset += Math.round(job.rate * job.warmupSeconds);
  await ready(); // the parent opens its windows on the service (probe, histogram) before the timed run
  decisions.clear();
  // The instrument starts clean: setup and warm-up leave tens of MB in the generator's old generation, and its
  // mark-compact would otherwise fall inside the timed run as a 10 ms stall charged to the service's calls. The
  // service gets no such help: its collections are part of what is measured.
  (globalThis as { gc?: () => void }).gc?.();
  const probe = new LoopProbe(job.timeline).start();
  const { calls, ...result } = await openLoop(job.rate, job.seconds, call);
  const report = {
    ...result,
    probe: probe.report(),
    decisions: [...decisions],
    ...(job.timeline ? { calls } : {}),
  };
  probe.stop();
  evaluate.close();
  return report;
}

function ready(): Promise<void> {
  return new Promise((resolve) => {
    process.once('message', () => resolve());
    process.send!({ ready: true });
  });
}

if (require.main === module) {
  process.once('message', (job: LoadJob) => {
    run(job).then(
      (report) => process.send!({ report }, () => process.exit(0)),
      (e: unknown) => {
        process.send!({ error: e instanceof Error ? e.stack : String(e) }, () => process.exit(1));
      },
    );
  });
}
