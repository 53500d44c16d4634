import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * Faults the switch can be told to inject (admin API). Answer faults act on the response to a request the
 * switch has already applied — exactly the situations that make an acquirer reverse:
 * - latency: answer after `delayMs`;
 * - late-answer: same mechanics, meant to land after the acquirer's timeout;
 * - no-answer: never answer;
 * - duplicate-answer: send the answer twice;
 * - drop-connection: close the connection, before applying (`phase: before`) or instead of answering (`after`);
 * - bad-response-mac: answer with a corrupted MAC (the acquirer must treat it as no answer and reverse);
 * - issuer-unavailable / decline: answer 91 / `responseCode` without applying anything (journaled).
 * `mtis` limits a rule to request MTIs (default 0100, 0200, 0220, 0420); `remaining` to a number of uses.
 * The outage flag closes every connection and refuses new ones until cleared.
 */
export const FAULT_KINDS = [
  'latency',
  'late-answer',
  'no-answer',
  'duplicate-answer',
  'drop-connection',
  'bad-response-mac',
  'issuer-unavailable',
  'decline',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const DEFAULT_MTIS = ['0100', '0200', '0220', '0420'];

export const faultRuleSchema = z
  .object({
    kind: z.enum(FAULT_KINDS),
    mtis: z
      .array(z.string().regex(/^0[1-9]\d0$/))
      .min(1)
      .optional(),
    remaining: z.number().int().min(1).optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    phase: z.enum(['before', 'after']).optional(),
    responseCode: z
      .string()
      .regex(/^[0-9A-Z]{2}$/)
      .optional(),
  })
  .refine((r) => r.kind !== 'decline' || r.responseCode !== undefined, {
    message: 'decline needs responseCode',
    path: ['responseCode'],
  })
  .refine((r) => (r.kind !== 'latency' && r.kind !== 'late-answer') || r.delayMs !== undefined, {
    message: 'latency and late-answer need delayMs',
    path: ['delayMs'],
  });

export type FaultRuleInput = z.infer<typeof faultRuleSchema>;

export interface FaultRule extends FaultRuleInput {
  id: string;
  mtis: string[];
}

/** What to do with one answer. */
export interface AnswerPlan {
  send: boolean;
  delayMs: number;
  copies: number;
  dropConnection: boolean;
  corruptMac: boolean;
}

export class FaultPlan {
  #rules: FaultRule[] = [];
  #outage = false;
  readonly #outageListeners: ((active: boolean) => void)[] = [];

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: randomUUID(), mtis: input.mtis ?? DEFAULT_MTIS };
    this.#rules.push(rule);
    return rule;
  }

  clear(): void {
    this.#rules = [];
    this.setOutage(false);
  }

  get outage(): boolean {
    return this.#outage;
  }

  setOutage(active: boolean): void {
    if (this.#outage === active) return;
    this.#outage = active;
    for (const l of this.#outageListeners) l(active);
  }

  onOutageChange(listener: (active: boolean) => void): void {
    this.#outageListeners.push(listener);
  }

  describe(): { outage: boolean; rules: FaultRule[] } {
    return { outage: this.#outage, rules: this.#rules.map((r) => ({ ...r })) };
  }

  /** Before applying: close the connection instead (drop-connection, phase before)? */
  dropBeforeApplying(mti: string): boolean {
    return (
      this.#take(mti, (r) => r.kind === 'drop-connection' && (r.phase ?? 'after') === 'before') !== undefined
    );
  }

  /** A forced response code (issuer-unavailable → 91, decline → its code), or undefined. */
  forcedResponse(mti: string): string | undefined {
    const rule = this.#take(mti, (r) => r.kind === 'issuer-unavailable' || r.kind === 'decline');
    if (!rule) return undefined;
    return rule.kind === 'issuer-unavailable' ? '91' : rule.responseCode;
  }

  /** Decides how the answer to a request of this MTI goes out. */
  answerPlan(mti: string): AnswerPlan {
    const plan: AnswerPlan = { send: true, delayMs: 0, copies: 1, dropConnection: false, corruptMac: false };
    if (this.#take(mti, (r) => r.kind === 'drop-connection' && (r.phase ?? 'after') === 'after')) {
      return { ...plan, send: false, dropConnection: true };
    }
    if (this.#take(mti, (r) => r.kind === 'no-answer')) return { ...plan, send: false };
    const delay = this.#take(mti, (r) => r.kind === 'late-answer' || r.kind === 'latency');
    if (delay) plan.delayMs = delay.delayMs ?? 0;
    if (this.#take(mti, (r) => r.kind === 'duplicate-answer')) plan.copies = 2;
    if (this.#take(mti, (r) => r.kind === 'bad-response-mac')) plan.corruptMac = true;
    return plan;
  }

  #take(mti: string, match: (r: FaultRule) => boolean): FaultRule | undefined {
    if (this.#rules.length === 0) return undefined;
    const rule = this.#rules.find((r) => r.mtis.includes(mti) && match(r));
    if (!rule) return undefined;
    if (rule.remaining !== undefined) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) this.#rules = this.#rules.filter((r) => r !== rule);
    }
    return rule;
  }
}
