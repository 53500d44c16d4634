import { PaymentEventTypes } from '@wxpay/contracts';
import { z } from 'zod';

/**
 * The shape of a rule file (apps/risk/rules/*.json). Expressions (`when`) are checked by the compiler, which
 * knows the features and their types and names the exact place of a mistake.
 */
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be kebab-case, e.g. velocity-card-1h');
const reasonCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be UPPER_SNAKE_CASE, e.g. VELOCITY_CARD_1H');
const paymentEventType = z.enum(Object.values(PaymentEventTypes) as [string, ...string[]]);

export const decisionRuleSchema = z
  .object({
    id: ruleId,
    code: reasonCode,
    description: z.string().max(500).optional(),
    /** REJECT and REVIEW decide by themselves; SCORE adds `score`; ALLOW approves unless a REJECT rule fires. */
    action: z.enum(['REJECT', 'REVIEW', 'SCORE', 'ALLOW']),
    score: z.number().int().min(0).max(100).default(0),
    enabled: z.boolean().default(true),
    when: z.unknown(),
  })
  .strict();

export const monitoringRuleSchema = z
  .object({
    id: ruleId,
    code: reasonCode,
    description: z.string().max(500).optional(),
    severity: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
    /** The lifecycle events the rule looks at. */
    on: z.array(paymentEventType).min(1),
    /** Ask the vault to suspend the card token when the alert is raised. */
    suspendToken: z.boolean().default(false),
    /** At most one alert per rule and card within this span (e.g. "1h"); none = every matching event. */
    cooldown: z
      .string()
      .regex(/^\d+[mh]$/)
      .optional(),
    enabled: z.boolean().default(true),
    when: z.unknown(),
  })
  .strict();

export const ruleSetSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be kebab-case'),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'must be a semantic version, e.g. 1.4.0 or 1.5.0-rc.1'),
    description: z.string().max(2000).optional(),
    /** Score (0..100) at or above which a decision becomes REVIEW, and REJECT. */
    thresholds: z
      .object({ review: z.number().int().min(1).max(100), reject: z.number().int().min(1).max(100) })
      .strict()
      .refine((t) => t.review < t.reject, 'review must be lower than reject'),
    rules: z.array(decisionRuleSchema).min(1),
    monitoring: z.array(monitoringRuleSchema).default([]),
  })
  .strict()
  .superRefine((set, ctx) => {
    const seen = new Set<string>();
    const all = [
      ...set.rules.map((r, i) => ({ id: r.id, path: ['rules', i, 'id'] })),
      ...set.monitoring.map((r, i) => ({ id: r.id, path: ['monitoring', i, 'id'] })),
    ];
    for (const { id, path } of all) {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `duplicate rule id '${id}'`, path });
      seen.add(id);
    }
  });

export type RuleSetDocument = z.infer<typeof ruleSetSchema>;
export type DecisionRuleDocument = z.infer<typeof decisionRuleSchema>;
export type MonitoringRuleDocument = z.infer<typeof monitoringRuleSchema>;
export type DecisionAction = DecisionRuleDocument['action'];
