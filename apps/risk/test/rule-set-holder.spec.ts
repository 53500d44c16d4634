import { captureLogger, eventually } from '@wxpay/testing';
import { copyFileSync, rmSync, unlinkSync } from 'fs';
import { join } from 'path';
import { toCnyFen, DEFAULT_FX_RATES } from '../src/domain/engine/fx-rates';
import { RiskEngine } from '../src/domain/engine/risk-engine';
import { subjectOfAttempt } from '../src/domain/engine/subjects';
import { RuleSetHolder } from '../src/use-cases/rule-set.service';
import { InMemoryRuleSetRegistry } from '../src/domain/rules/rule-set-registry';
import { RiskState } from '../src/domain/state/risk-state';
import { attempt, CANDIDATE_RULES_FILE } from './support/engine-fixtures';
import { defaultsWithCoffeeBanned, scratchRules } from './support/rule-files';

describe('RuleSetHolder: load, hot reload, refusal, shadow', () => {
  let files: ReturnType<typeof scratchRules>;
  const { logger, lines } = captureLogger('info');
  beforeEach(() => (files = scratchRules()));
  afterEach(() => rmSync(files.dir, { recursive: true, force: true }));

  const holder = (shadowFile?: string) =>
    new RuleSetHolder({ liveFile: files.live, shadowFile, registry: new InMemoryRuleSetRegistry(), logger });

  it('refuses to start without valid live rules', async () => {
    files.writeText('{}');
    await expect(holder().load()).rejects.toThrow(/cannot start without valid rules: .*live\.json refused/s);
  });

  it('applies a new version, ignores an unchanged file, refuses a broken one and keeps the old rules', async () => {
    const outcomes: string[] = [];
    const h = new RuleSetHolder({
      liveFile: files.live,
      registry: new InMemoryRuleSetRegistry(),
      logger,
      onReload: (o) => outcomes.push(o),
    });
    const first = await h.load();
    expect(first.live.label).toBe('wechatpay-credit@1.0.0');
    await h.reload();
    expect(h.current()).toBe(first); // same content: same snapshot
    files.write(defaultsWithCoffeeBanned('1.0.1'));
    expect((await h.reload()).liveVersion).toBe('wechatpay-credit@1.0.1');
    const good = h.current();
    files.writeText('{"name": "wechatpay-credit", "version": "1.0.2", "rules": []}');
    const status = await h.reload();
    expect(h.current()).toBe(good);
    expect(status.liveVersion).toBe('wechatpay-credit@1.0.1');
    expect(status.lastError).toMatch(/live\.json refused:[\s\S]*thresholds: /);
    expect(lines.some((l) => l.includes('rule file refused; the rules in force stay in force'))).toBe(true);
    expect(outcomes).toEqual(['applied', 'unchanged', 'applied', 'refused']);
  });

  it('hands each evaluation one snapshot: a swap in the middle of a burst never mixes versions', async () => {
    const h = holder();
    await h.load();
    const engine = new RiskEngine(new RiskState(), () => h.current());
    const versions: string[] = [];
    const evaluateMany = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const a = attempt({ cardToken: `tok_${versions.length}`, deviceId: `d${versions.length}`, ip: '' });
        const { live } = engine.evaluate(
          subjectOfAttempt(a, toCnyFen(a.amountMinor, a.currency, DEFAULT_FX_RATES)!),
        );
        versions.push(`${live.ruleSetVersion}:${live.decision}`);
        if (i % 10 === 0) await new Promise((r) => setImmediate(r)); // let the reload's I/O interleave
      }
    };
    files.write(defaultsWithCoffeeBanned('1.0.1'));
    await Promise.all([evaluateMany(400), h.reload(), evaluateMany(400)]);
    const distinct = [...new Set(versions)].sort();
    expect(distinct).toEqual(['wechatpay-credit@1.0.0:APPROVE', 'wechatpay-credit@1.0.1:REJECT']);
  });

  it('runs a shadow set beside the live one; a broken shadow keeps the previous shadow, a removed one ends shadowing', async () => {
    const shadowFile = join(files.dir, 'shadow.json');
    copyFileSync(CANDIDATE_RULES_FILE, shadowFile);
    const h = holder(shadowFile);
    await h.load();
    expect(h.status()).toMatchObject({
      liveVersion: 'wechatpay-credit@1.0.0',
      shadowVersion: 'wechatpay-credit@1.1.0-rc.1',
    });
    const { writeFileSync } = await import('fs');
    writeFileSync(shadowFile, '{ nope');
    expect(await h.reload()).toMatchObject({
      shadowVersion: 'wechatpay-credit@1.1.0-rc.1',
      lastError: expect.stringContaining('shadow.json refused'),
    });
    unlinkSync(shadowFile);
    expect(await h.reload()).toMatchObject({ shadowVersion: '', lastError: '' });
  });

  it('refuses a version label reused for different content', async () => {
    const h = holder();
    await h.load();
    const doc = defaultsWithCoffeeBanned('1.0.0');
    files.write(doc);
    expect((await h.reload()).lastError).toContain('already registered with different content');
    expect(h.current().live.label).toBe('wechatpay-credit@1.0.0');
  });

  it('reloads by itself when the file is replaced (watch)', async () => {
    const h = new RuleSetHolder({
      liveFile: files.live,
      registry: new InMemoryRuleSetRegistry(),
      logger,
      debounceMs: 20,
    });
    await h.load();
    h.watch();
    try {
      files.write(defaultsWithCoffeeBanned('2.0.0'));
      await eventually(
        async () => h.status().liveVersion === 'wechatpay-credit@2.0.0',
        'watched reload',
        5000,
      );
    } finally {
      h.close();
    }
  });
});
