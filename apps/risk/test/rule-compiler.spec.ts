import { RuleSetError } from '../src/domain/rules/rule-compile-error';
import { compileRuleSet, compileRuleSetText } from '../src/domain/rules/rule-set-compiler';
import { RiskState } from '../src/domain/state/risk-state';
import { attempt, fact, T0, MIN } from './support/engine-fixtures';
import { subjectOfAttempt } from '../src/domain/engine/subjects';

function ruleSet(rules: unknown[], extra: Record<string, unknown> = {}) {
  return { name: 'test', version: '1.0.0', thresholds: { review: 40, reject: 80 }, rules, ...extra };
}

function problemsOf(doc: unknown): readonly string[] {
  try {
    compileRuleSet(doc, 'test.json');
  } catch (e) {
    if (e instanceof RuleSetError) return e.problems;
    throw e;
  }
  throw new Error('compiled');
}

describe('rule compiler', () => {
  it('reports every problem at once, each with its place and rule', () => {
    const problems = problemsOf(
      ruleSet([
        { id: 'a', code: 'A', action: 'REJECT', when: { '>': [{ feature: 'amout' }, 1] } },
        { id: 'b', code: 'B', action: 'SCORE', score: 10, when: { '>': [{ feature: 'scene' }, 1] } },
        {
          id: 'c',
          code: 'C',
          action: 'REJECT',
          when: { '>': [{ window: { of: 'card', metric: 'attempts', span: '90m' } }, 1] },
        },
        { id: 'd', code: 'D', action: 'REJECT', when: { feature: 'amount' } },
        { id: 'e', code: 'E', action: 'REJECT', when: { xor: [true, false] } },
        { id: 'f', code: 'F', action: 'REJECT', when: { in: [{ feature: 'mcc' }, [5411]] } },
      ]),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^rules\[0\] \(rule 'a'\)\.when\.>\[0\]\.feature: unknown feature 'amout' \(known: event_type, amount,/,
      ),
      "rules[1] (rule 'b').when.>: '>' compares numbers, got string and number",
      "rules[2] (rule 'c').when.>[0].window.span: '90m': spans above 1h must be whole hours",
      "rules[3] (rule 'd').when: expected a condition (boolean), got a number",
      expect.stringMatching(/^rules\[4\] \(rule 'e'\)\.when: unknown operator 'xor'/),
      "rules[5] (rule 'f').when.in[1][0]: expected a string literal",
    ]);
  });

  it('validates the file’s shape with zod, naming the rule', () => {
    const problems = problemsOf(
      ruleSet([{ id: 'Bad Id', code: 'lower', action: 'BLOCK', when: true }], {
        thresholds: { review: 90, reject: 80 },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("rules[0].id (rule 'Bad Id'): must be kebab-case"),
        expect.stringContaining("rules[0].code (rule 'Bad Id'): must be UPPER_SNAKE_CASE"),
        expect.stringContaining("rules[0].action (rule 'Bad Id')"),
        'thresholds: review must be lower than reject',
      ]),
    );
    expect(
      problemsOf(
        ruleSet([
          { id: 'x', code: 'X', action: 'REJECT', when: true },
          { id: 'x', code: 'Y', action: 'REJECT', when: true },
        ]),
      ),
    ).toEqual([expect.stringContaining("duplicate rule id 'x'")]);
    expect(() => compileRuleSetText('{"name":', 'broken.json')).toThrow(
      /broken\.json refused:\n {2}- not valid JSON/,
    );
  });

  it('explains a fired rule with the values behind it', () => {
    const set = compileRuleSet(
      ruleSet([
        {
          id: 'velocity-card-1h',
          code: 'VELOCITY_CARD_1H',
          action: 'SCORE',
          score: 40,
          when: { '>': [{ window: { of: 'card', metric: 'attempts', span: '1h' } }, 5] },
        },
        {
          id: 'mix',
          code: 'MIX',
          action: 'SCORE',
          score: 1,
          when: {
            any: [
              { '==': [{ feature: 'scene' }, 'OFFLINE_QR'] },
              { between: [{ feature: 'local_hour' }, 9, 11] },
            ],
          },
        },
        {
          id: 'ratio',
          code: 'RATIO',
          action: 'SCORE',
          score: 1,
          when: {
            '>': [
              {
                '/': [{ feature: 'amount_cny' }, { window: { of: 'card', metric: 'declines', span: '1h' } }],
              },
              0,
            ],
          },
        },
      ]),
      't',
    );
    const state = new RiskState();
    let verdict = set.decide(state.frame(subjectOfAttempt(attempt(), 12_800)));
    for (let i = 0; i < 7; i++) {
      const s = subjectOfAttempt(attempt({ at: T0 + i * MIN }), 12_800);
      state.recordAttempt(s);
      verdict = set.decide(state.frame(s));
    }
    expect(verdict.reasons).toEqual([
      { code: 'VELOCITY_CARD_1H', value: '7 > 5', ruleId: 'velocity-card-1h', score: 40 },
      { code: 'MIX', value: 'local_hour=10', ruleId: 'mix', score: 1 },
    ]); // RATIO: division by zero declines is unknown, and unknown never matches
    expect(verdict).toMatchObject({ decision: 'REVIEW', score: 41 });
  });

  it('skips disabled rules but still checks them', () => {
    const set = compileRuleSet(
      ruleSet([{ id: 'off', code: 'OFF', action: 'REJECT', enabled: false, when: true }]),
      't',
    );
    expect(set.decide(new RiskState().frame(subjectOfAttempt(attempt(), 1))).decision).toBe('APPROVE');
    expect(
      problemsOf(
        ruleSet([{ id: 'off', code: 'OFF', action: 'REJECT', enabled: false, when: { feature: 'nope' } }]),
      ),
    ).toHaveLength(1);
  });

  it('decides REJECT > ALLOW > score thresholds and REVIEW rules', () => {
    const set = compileRuleSet(
      ruleSet([
        { id: 'hard', code: 'HARD', action: 'REJECT', when: { '==': [{ feature: 'mcc' }, '7995'] } },
        { id: 'vip', code: 'VIP', action: 'ALLOW', when: { '==': [{ feature: 'payer_id' }, 'vip'] } },
        { id: 'big', code: 'BIG', action: 'SCORE', score: 50, when: { '>': [{ feature: 'amount' }, 1000] } },
        {
          id: 'huge',
          code: 'HUGE',
          action: 'SCORE',
          score: 50,
          when: { '>': [{ feature: 'amount' }, 100000] },
        },
        {
          id: 'look',
          code: 'LOOK',
          action: 'REVIEW',
          when: { '==': [{ feature: 'merchant_id' }, 'm-watch'] },
        },
      ]),
      't',
    );
    const decide = (o: Parameters<typeof attempt>[0]) =>
      set.decide(new RiskState().frame(subjectOfAttempt(attempt(o), 1))).decision;
    expect(decide({ amountMinor: 500 })).toBe('APPROVE');
    expect(decide({ amountMinor: 5000 })).toBe('REVIEW');
    expect(decide({ amountMinor: 500_000 })).toBe('REJECT');
    expect(decide({ amountMinor: 500_000, payerId: 'vip' })).toBe('APPROVE');
    expect(decide({ amountMinor: 500, payerId: 'vip', mcc: '7995' })).toBe('REJECT');
    expect(decide({ amountMinor: 500, merchantId: 'm-watch' })).toBe('REVIEW');
  });

  it('monitors only the event types a rule names', () => {
    const set = compileRuleSet(
      ruleSet([{ id: 'x', code: 'X', action: 'SCORE', when: false }], {
        monitoring: [{ id: 'm', code: 'M', severity: 'LOW', on: ['PaymentRefunded'], when: true }],
      }),
      't',
    );
    const state = new RiskState();
    expect(set.monitor(state.frame(fact('PaymentCaptured')))).toEqual([]);
    expect(set.monitor(state.frame(fact('PaymentRefunded'))).map((h) => h.rule.code)).toEqual(['M']);
    expect(
      problemsOf(
        ruleSet([{ id: 'x', code: 'X', action: 'SCORE', when: false }], {
          monitoring: [{ id: 'm', code: 'M', severity: 'LOW', on: ['PaymentExploded'], when: true }],
        }),
      ),
    ).toHaveLength(1);
  });
});
