import { randomUUID } from 'crypto';
import { Topics, type EventEnvelope } from '@wxpay/contracts';
import { eventSignerFromEnv, type EventPublisher, type EventSigner } from '@wxpay/messaging';
import { eventually, testEventKeys, testKafka } from '@wxpay/testing';
import { key, type RepaymentCluster, type Run, type TestCard } from './repayment-cluster';

const DAY = 86_400_000;
let producer: EventPublisher | undefined;

function kafkaProducer(): EventPublisher {
  producer ??= testKafka('repayment-test').publisher();
  return producer;
}

export async function closeProducer(): Promise<void> {
  await producer?.close();
  producer = undefined;
}

/** A producer's signer with the test keys the cluster's services accept (the card system's included). */
export function signerOf(producer: string): EventSigner {
  return eventSignerFromEnv(producer, testEventKeys().signingEnv(producer))!;
}

/** Who publishes a topic of the table (the card system for statements, payment for notifications). */
function producerOf(topic: string): string {
  const spec = Object.values(Topics).find((t) => t.name === topic);
  if (!spec?.producers[0]) throw new Error(`${topic}: no producer in the topic table`);
  return spec.producers[0];
}

/**
 * Publishes an envelope as `signer` (null: unsigned, as a writer without a producer's key would); the same envelope
 * again is the same bytes (a redelivery).
 */
export async function publishAs(
  signer: EventSigner | null,
  topic: string,
  envelope: EventEnvelope,
): Promise<void> {
  const value = JSON.stringify(envelope);
  await kafkaProducer().send([
    { topic, key: envelope.aggregateId, value, headers: signer?.sign(topic, envelope.aggregateId, value) },
  ]);
}

/** Publishes a ready-made envelope signed by the topic's producer (tests re-send one to prove redelivery changes nothing). */
export async function publish(topic: string, envelope: EventEnvelope): Promise<void> {
  await publishAs(signerOf(producerOf(topic)), topic, envelope);
}

export function envelope(type: string, aggregateId: string, payload: Record<string, unknown>): EventEnvelope {
  return {
    id: randomUUID(),
    type,
    version: 1,
    occurredAt: new Date().toISOString(),
    aggregateId,
    traceId: aggregateId,
    payload,
  };
}

/** A Beijing calendar date `days` after the business clock's today. */
export async function dueDateIn(cluster: RepaymentCluster, days: number): Promise<string> {
  const now = await cluster.now();
  return new Date(now.getTime() + 8 * 3600_000 + days * DAY).toISOString().slice(0, 10);
}

export function statementIssued(
  card: TestCard,
  dueDate: string,
  amountDue: number,
  minimumDue: number,
  statementId = `st-${key().slice(0, 16)}`,
): EventEnvelope {
  return envelope('StatementIssued', statementId, {
    statementId,
    cardToken: card.token,
    amountDue: { minor: amountDue, currency: 'CNY' },
    minimumDue: { minor: minimumDue, currency: 'CNY' },
    dueDate,
  });
}

export async function issue(env: EventEnvelope): Promise<string> {
  await publish(Topics.statements.name, env);
  return String(env.payload.statementId);
}

/** Waits until the run satisfies `ok` (through ListRuns over mutual-TLS gRPC). */
export async function runUntil(
  cluster: RepaymentCluster,
  statementId: string,
  ok: (r: Run) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<Run> {
  let last: Run | undefined;
  try {
    return await eventually(
      async () => {
        last = (await cluster.run(statementId).catch(() => undefined)) ?? last;
        return last && ok(last) ? last : undefined;
      },
      `${statementId}: ${what}`,
      timeoutMs,
    );
  } catch (e) {
    const jobs = await cluster.query(
      `SELECT kind, state, run_at, tries, last_error FROM scheduled_job WHERE subject = $1 ORDER BY id`,
      [statementId],
    );
    throw new Error(
      `${(e as Error).message}\nrun: ${JSON.stringify(last)}\njobs: ${JSON.stringify(jobs)}\n` +
        `repayment log:\n${cluster.repayment.output.slice(-15).join('\n')}`,
    );
  }
}

export const status = (s: string) => (r: Run) => r.status === s;

/** The next pending deduction of a run, by business time. */
export async function nextDeductAt(cluster: RepaymentCluster, statementId: string): Promise<Date> {
  await runUntil(cluster, statementId, () => false, 'nothing', 1).catch((e: Error) => {
    if (process.env.REPAYMENT_TEST_DEBUG) process.stderr.write(`${e.message}\n`);
  });
  const rows = await eventually(async () => {
    const r = await cluster.query<{ run_at: Date }>(
      `SELECT run_at FROM scheduled_job WHERE subject = $1 AND kind = 'DEDUCT' AND state = 'PENDING'
          ORDER BY run_at LIMIT 1`,
      [statementId],
    );
    return r.length ? r : undefined;
  }, `${statementId}: a pending deduction`);
  return new Date(rows[0]!.run_at);
}
