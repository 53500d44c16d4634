import { status } from '@grpc/grpc-js';
import { reasonOf } from '@wxpay/grpc';
import { eventually, readTopic } from '@wxpay/testing';
import { rmSync } from 'fs';
import { CANDIDATE_RULES_FILE } from './support/engine-fixtures';
import { RiskHarness, tok } from './support/risk-harness';
import { defaultsWithCoffeeBanned, scratchRules } from './support/rule-files';

jest.setTimeout(90_000);

interface Status {
  live_version: string;
  shadow_version: string;
  last_error: string;
}

describe('rules: hot reload under load, refused files, file watch', () => {
  const files = scratchRules();
  const h = new RiskHarness({ consume: false, env: { RISK_RULES_FILE: files.live, RISK_RULES_WATCH: 'on' } });
  beforeAll(() => h.start());
  afterAll(async () => {
    await h.stop();
    rmSync(files.dir, { recursive: true, force: true });
  });

  it('swaps rule sets atomically while calls are in flight: every answer is consistent with the version it names', async () => {
    const v2 = defaultsWithCoffeeBanned('1.0.1');
    type Reply = {
      decision: string;
      rule_set_version: string;
      reasons: { code: string }[];
      evaluated_at: string;
    };
    const replies: Reply[] = [];
    let n = 0;
    const wave = () =>
      Promise.all(
        Array.from({ length: 20 }, () => {
          const i = n++;
          // each call on its own card, device and IP: only the rule change can turn an answer into a rejection
          return h.evaluate({
            card_token: tok(`reload_${i}`),
            device_id: `dev-reload-${i}`,
            ip: `10.2.${i >> 8}.${i & 255}`,
          });
        }),
      ).then((r) => void replies.push(...r));
    // Waves of concurrent calls keep running while the file is replaced and ReloadRules is in flight.
    for (let w = 0; w < 5; w++) await wave();
    files.write(v2);
    const reload = h.adminCall('ReloadRules', {});
    await Promise.all([wave(), wave(), reload.then(() => Promise.all([wave(), wave()]))]);
    for (let w = 0; w < 5; w++) await wave();
    expect(replies).toHaveLength(280);
    const byVersion = new Map<string, string[]>();
    for (const r of replies) {
      byVersion.set(r.rule_set_version, [...(byVersion.get(r.rule_set_version) ?? []), r.decision]);
      if (r.rule_set_version === 'wechatpay-credit@1.0.0')
        expect(r).toMatchObject({ decision: 'APPROVE', reasons: [] });
      else
        expect(r).toMatchObject({
          rule_set_version: 'wechatpay-credit@1.0.1',
          decision: 'REJECT',
          reasons: [{ code: 'MCC_PROHIBITED' }],
        });
    }
    expect([...byVersion.keys()].sort()).toEqual(['wechatpay-credit@1.0.0', 'wechatpay-credit@1.0.1']);
    // one swap, never back: every answer of the old version was evaluated no later than any of the new one
    const times = (v: string) =>
      replies.filter((r) => r.rule_set_version === v).map((r) => Date.parse(r.evaluated_at));
    expect(Math.max(...times('wechatpay-credit@1.0.0'))).toBeLessThanOrEqual(
      Math.min(...times('wechatpay-credit@1.0.1')),
    );
    expect((await h.evaluate({ card_token: tok('after') })).rule_set_version).toBe('wechatpay-credit@1.0.1');
  });

  it.each([
    ['invalid JSON', '{ "name": "wechatpay-credit", ', 'not valid JSON'],
    [
      'an unknown feature',
      JSON.stringify({
        ...defaultsWithCoffeeBanned('1.0.2'),
        rules: [{ id: 'typo', code: 'TYPO', action: 'REJECT', when: { '>': [{ feature: 'amout' }, 5] } }],
      }),
      "rules[0] (rule 'typo').when.>[0].feature: unknown feature 'amout'",
    ],
    [
      'a type error',
      JSON.stringify({
        ...defaultsWithCoffeeBanned('1.0.2'),
        rules: [{ id: 'cmp', code: 'CMP', action: 'REJECT', when: { '>': [{ feature: 'scene' }, 5] } }],
      }),
      "rules[0] (rule 'cmp').when.>: '>' compares numbers, got string and number",
    ],
    [
      'a bad threshold',
      JSON.stringify({ ...defaultsWithCoffeeBanned('1.0.2'), thresholds: { review: 90, reject: 80 } }),
      'thresholds: review must be lower than reject',
    ],
    [
      'a reused version with different content',
      JSON.stringify({ ...defaultsWithCoffeeBanned('1.0.0') }),
      'version wechatpay-credit@1.0.0 is already registered with different content',
    ],
  ])('refuses %s with a clear message; the old rules stay live', async (_what, text, message) => {
    files.writeText(text);
    const err = await h.failure(h.admin, 'ReloadRules', {});
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(reasonOf(err)).toBe('RULES_REFUSED');
    expect(err.details).toContain(message);
    expect(err.details).toContain('still in force: wechatpay-credit@1.0.1');
    const st = await h.adminCall<Status>('GetRuleSetStatus', {});
    expect(st.live_version).toBe('wechatpay-credit@1.0.1');
    expect(st.last_error).toContain(message);
    const reply = await h.evaluate({ card_token: tok(`refused_${Math.random()}`) });
    expect(reply).toMatchObject({ rule_set_version: 'wechatpay-credit@1.0.1', decision: 'REJECT' });
  });

  it('picks up a corrected file by itself (file watch), and keeps every version it ran', async () => {
    files.write(defaultsWithCoffeeBanned('1.0.3'));
    await eventually(
      async () =>
        (await h.adminCall<Status>('GetRuleSetStatus', {})).live_version === 'wechatpay-credit@1.0.3',
      'watch reload',
    );
    expect((await h.adminCall<Status>('GetRuleSetStatus', {})).last_error).toBe('');
    const rows: { version_label: string }[] = await h.db.dataSource.query(
      `SELECT version_label FROM risk_rule_set ORDER BY version_label`,
    );
    expect(rows.map((r) => r.version_label)).toEqual([
      'wechatpay-credit@1.0.0',
      'wechatpay-credit@1.0.1',
      'wechatpay-credit@1.0.3',
    ]);
  });
});

describe('shadow mode', () => {
  const h = new RiskHarness({ consume: false, env: { RISK_SHADOW_RULES_FILE: CANDIDATE_RULES_FILE } });
  beforeAll(() => h.start());
  afterAll(() => h.stop());

  it('evaluates the candidate beside the live rules and records its would-be decisions, never answering with them', async () => {
    const st = await h.adminCall<Status>('GetRuleSetStatus', {});
    expect(st).toMatchObject({
      live_version: 'wechatpay-credit@1.0.0',
      shadow_version: 'wechatpay-credit@1.1.0-rc.1',
    });
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await h.evaluate({ card_token: tok('shadow') }));
    // live: 4 attempts in 10 min is fine (limit 5); the candidate rejects more than 3
    expect(replies.map((r) => r.decision)).toEqual(['APPROVE', 'APPROVE', 'APPROVE', 'APPROVE']);
    expect(replies.every((r) => r.rule_set_version === 'wechatpay-credit@1.0.0')).toBe(true);
    const fourth = replies[3]!.decision_id;
    await eventually(
      async () => (await h.count('risk_shadow_decision', 'decision_id = $1', [fourth])) === 1,
      'stored',
    );
    const rows: {
      decision_id: string;
      decision: string;
      differs: boolean;
      rule_set_version: string;
      reasons: { code: string; value: string }[];
    }[] = await h.db.dataSource.query(
      `SELECT s.decision_id, s.decision, s.differs, s.rule_set_version, s.reasons FROM risk_shadow_decision s
         JOIN risk_decision d USING (decision_id) WHERE d.card_token = $1 ORDER BY d.occurred_at, d.evaluated_at`,
      [tok('shadow')],
    );
    expect(rows.map((r) => [r.decision, r.differs])).toEqual([
      ['APPROVE', false],
      ['APPROVE', false],
      ['APPROVE', false],
      ['REJECT', true],
    ]);
    expect(rows[3]).toMatchObject({
      rule_set_version: 'wechatpay-credit@1.1.0-rc.1',
      reasons: [{ code: 'VELOCITY_CARD_10M', value: '4 > 3' }],
    });
    const events = await readTopic(h.topics.decisions, {
      until: (m) => m.some((x) => JSON.parse(x.value!).id === fourth),
    });
    const published = JSON.parse(events.find((x) => JSON.parse(x.value!).id === fourth)!.value!);
    expect(published.payload).toMatchObject({
      decision: 'APPROVE',
      shadow: { ruleSetVersion: 'wechatpay-credit@1.1.0-rc.1', decision: 'REJECT' },
    });
  });
});
