import { randomUUID } from 'crypto';
import { createTestDatabase, type TestDatabase } from '@wxpay/testing';
import { DecisionBatchRepository } from '../src/persistence/decision-batch.repository';
import { type DecisionRecord } from '../src/domain/decisions/decision-record';
import { DEFAULT_FX_RATES, toCnyFen } from '../src/domain/engine/fx-rates';
import { subjectOfAttempt } from '../src/domain/engine/subjects';
import { type Verdict } from '../src/domain/rules/compiled-rule-set';
import { RISK_MIGRATIONS } from '../src/persistence/migrations';
import { attempt, T0 } from './support/engine-fixtures';

const TOPIC = 'risk.decisions.test';

function verdict(decision: Verdict['decision'], version = 'default@1'): Verdict {
  const reasons =
    decision === 'APPROVE' ? [] : [{ code: 'NIGHT', value: 'local_hour=3', ruleId: 'night', score: 40 }];
  return { decision, score: reasons.length ? 40 : 0, reasons, ruleSetVersion: version };
}

function record(decision: Verdict['decision'], shadow: Verdict | null = null): DecisionRecord {
  const a = attempt({ attemptId: `pay-${randomUUID()}` });
  return {
    decisionId: randomUUID(),
    attempt: a,
    subject: subjectOfAttempt(a, toCnyFen(a.amountMinor, a.currency, DEFAULT_FX_RATES)!),
    live: verdict(decision),
    shadow,
    evaluatedAt: T0 + 5,
  };
}

describe('DecisionBatchRepository (one statement per batch)', () => {
  let db: TestDatabase;
  let repo: DecisionBatchRepository;
  const ids = async (table: string, where = 'true') =>
    (
      (await db.dataSource.query(`SELECT decision_id FROM ${table} WHERE ${where}`)) as {
        decision_id: string;
      }[]
    )
      .map((r) => r.decision_id)
      .sort();

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: RISK_MIGRATIONS, label: 'risk_decision_batch' });
    repo = new DecisionBatchRepository(db.dataSource, TOPIC);
  });

  afterAll(() => db.drop());

  it('stores decisions, shadow verdicts, review cases and one outbox event per decision, in batch order', async () => {
    const batch = [record('APPROVE'), record('REVIEW', verdict('REJECT', 'candidate@2')), record('REJECT')];
    await repo.write(batch);
    const mine = `decision_id = ANY('{${batch.map((d) => d.decisionId).join(',')}}'::uuid[])`;
    expect(await ids('risk_decision', mine)).toEqual(batch.map((d) => d.decisionId).sort());
    expect(await ids('review_case', mine)).toEqual([batch[1]!.decisionId]);
    expect(await ids('risk_shadow_decision', mine)).toEqual([batch[1]!.decisionId]);
    const events = (await db.dataSource.query(
      `SELECT id, topic, message_key, envelope->>'type' AS type FROM outbox_event
        WHERE id = ANY($1::uuid[]) ORDER BY seq`,
      [batch.map((d) => d.decisionId)],
    )) as { id: string; topic: string; message_key: string; type: string }[];
    expect(events).toEqual(
      batch.map((d) => ({
        id: d.decisionId,
        topic: TOPIC,
        message_key: d.attempt.attemptId,
        type: 'RiskDecisionMade',
      })),
    );
  });

  it('stores nothing of a batch when any of its rows is refused: the statement is atomic', async () => {
    const stored = record('APPROVE');
    await repo.write([stored]);
    const fresh = record('REVIEW');
    const again = { ...record('APPROVE'), decisionId: stored.decisionId }; // a primary-key conflict
    await expect(repo.write([fresh, again])).rejects.toThrow();
    expect(await ids('risk_decision', `decision_id = '${fresh.decisionId}'`)).toEqual([]);
    expect(await ids('review_case', `decision_id = '${fresh.decisionId}'`)).toEqual([]);
    const events = await db.dataSource.query(`SELECT 1 FROM outbox_event WHERE id = $1`, [fresh.decisionId]);
    expect(events).toEqual([]);
  });
});
