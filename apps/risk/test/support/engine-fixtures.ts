import { type PaymentEventType } from '@wxpay/contracts';
import { readFileSync } from 'fs';
import { join } from 'path';
import { DEFAULT_FX_RATES, toCnyFen } from '../../src/domain/engine/fx-rates';
import { RiskEngine } from '../../src/domain/engine/risk-engine';
import { type Attempt, type RiskSubject } from '../../src/domain/engine/risk-subject';
import { subjectOfAttempt, subjectOfPayment } from '../../src/domain/engine/subjects';
import { type CompiledRuleSet, type Verdict } from '../../src/domain/rules/compiled-rule-set';
import { compileRuleSetText } from '../../src/domain/rules/rule-set-compiler';
import { RiskState } from '../../src/domain/state/risk-state';

export const RULES_DIR = join(__dirname, '..', '..', 'rules');
export const DEFAULT_RULES_FILE = join(RULES_DIR, 'default.json');
export const CANDIDATE_RULES_FILE = join(RULES_DIR, 'candidate.json');

export function loadRuleFile(file: string): CompiledRuleSet {
  return compileRuleSetText(readFileSync(file, 'utf8'), file);
}

/** 2026-11-25 10:00 China Standard Time (02:00 UTC): daytime, so the night rule stays quiet unless asked. */
export const T0 = Date.parse('2026-11-25T02:00:00.000Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;

export const BEIJING = { lat: 39.9042, lon: 116.4074 };
export const SHANGHAI = { lat: 31.2304, lon: 121.4737 };
export const PARIS = { lat: 48.8566, lon: 2.3522 };

let seq = 0;
export function attempt(overrides: Partial<Attempt> = {}): Attempt {
  seq++;
  return {
    attemptId: `pay-${seq}`,
    cardToken: 'tok_card_a',
    amountMinor: 12_800,
    currency: 'CNY',
    merchantId: 'mch-coffee',
    mcc: '5814',
    scene: 'ONLINE',
    payerId: 'openid-a',
    deviceId: 'dev-a',
    ip: '10.1.2.3',
    geo: { point: BEIJING, country: 'CN', city: 'Beijing' },
    at: T0,
    ...overrides,
  };
}

export interface FactOverrides {
  cardToken?: string;
  amountMinor?: number;
  currency?: string;
  merchantId?: string;
  deviceId?: string;
  ip?: string;
  scene?: 'ONLINE' | 'OFFLINE_QR' | 'CROSS_BORDER';
  geo?: { lat?: number; lon?: number; country?: string; city?: string };
  at?: number;
}

export function fact(type: PaymentEventType, o: FactOverrides = {}): RiskSubject {
  seq++;
  return subjectOfPayment(
    type,
    {
      paymentId: `pay-${seq}`,
      cardToken: o.cardToken ?? 'tok_card_a',
      amount: { minor: o.amountMinor ?? 12_800, currency: o.currency ?? 'CNY' },
      merchantId: o.merchantId ?? 'mch-coffee',
      mcc: '5814',
      scene: o.scene ?? 'ONLINE',
      deviceId: o.deviceId ?? 'dev-a',
      ip: o.ip ?? '10.1.2.3',
      ...(o.geo ? { geo: o.geo } : {}),
    },
    o.at ?? T0,
    DEFAULT_FX_RATES,
  );
}

/** An engine on the default rules (optionally with a shadow set) and a fresh state. */
export function engineWith(live = loadRuleFile(DEFAULT_RULES_FILE), shadow: CompiledRuleSet | null = null) {
  const state = new RiskState();
  const rules = { live, shadow, loadedAt: 0 };
  const engine = new RiskEngine(state, () => rules);
  const evaluate = (a: Attempt) =>
    engine.evaluate(subjectOfAttempt(a, toCnyFen(a.amountMinor, a.currency, DEFAULT_FX_RATES)!));
  /** A lifecycle fact as the stream applies it: monitoring first (uncommitted), then the state. */
  const observe = (s: RiskSubject) => {
    const result = engine.monitor(s);
    engine.apply(s);
    return result;
  };
  return { state, engine, evaluate, observe };
}

export function codes(v: Verdict): string[] {
  return v.reasons.map((r) => r.code);
}

export function reason(v: Verdict, code: string): string | undefined {
  return v.reasons.find((r) => r.code === code)?.value;
}
