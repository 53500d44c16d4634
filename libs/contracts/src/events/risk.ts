import { z } from 'zod';

/**
 * Events the risk engine publishes: every decision on `risk.decisions.v1` (plus review outcomes), alerts on
 * `risk.alerts.v1`. Card tokens only, never card numbers.
 */
export const RiskEventTypes = {
  decisionMade: 'RiskDecisionMade',
  reviewResolved: 'RiskReviewResolved',
  alertRaised: 'RiskAlertRaised',
} as const;

export const riskDecisionSchema = z.enum(['APPROVE', 'REVIEW', 'REJECT']);
export const riskSceneSchema = z.enum(['ONLINE', 'OFFLINE_QR', 'CROSS_BORDER']);

export const riskReasonSchema = z.object({
  code: z.string().min(1),
  value: z.string(),
  ruleId: z.string().min(1),
  score: z.number().int(),
});

export const riskDecisionMadeSchema = z.object({
  decisionId: z.uuid(),
  attemptId: z.string().max(128).optional(),
  cardToken: z.string().min(1),
  amount: z.object({ minor: z.number().int().positive(), currency: z.string().regex(/^[A-Z]{3}$/) }),
  merchantId: z.string().min(1),
  mcc: z.string().regex(/^\d{4}$/),
  scene: riskSceneSchema,
  decision: riskDecisionSchema,
  score: z.number().int().min(0).max(100),
  reasons: z.array(riskReasonSchema),
  ruleSetVersion: z.string().min(1),
  /** The candidate rule set's verdict, when one runs in shadow mode (it never affects `decision`). */
  shadow: z
    .object({
      ruleSetVersion: z.string().min(1),
      decision: riskDecisionSchema,
      score: z.number().int().min(0).max(100),
      reasons: z.array(riskReasonSchema),
    })
    .optional(),
  evaluatedAt: z.iso.datetime({ offset: false }),
});

export const riskReviewResolvedSchema = z.object({
  decisionId: z.uuid(),
  cardToken: z.string().min(1),
  label: z.enum(['FRAUD', 'LEGIT']),
  reviewer: z.string().min(1),
  resolvedAt: z.iso.datetime({ offset: false }),
});

export const riskAlertSeveritySchema = z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']);

export const riskAlertRaisedSchema = z.object({
  alertId: z.uuid(),
  code: z.string().min(1),
  ruleId: z.string().min(1),
  severity: riskAlertSeveritySchema,
  value: z.string(),
  cardToken: z.string().min(1),
  /** The lifecycle event that triggered the alert. */
  sourceEventId: z.uuid(),
  sourceEventType: z.string().min(1),
  ruleSetVersion: z.string().min(1),
  /** True when the engine asked the vault to suspend the card token. */
  suspendToken: z.boolean(),
});

export type RiskDecisionMade = z.infer<typeof riskDecisionMadeSchema>;
export type RiskReviewResolved = z.infer<typeof riskReviewResolvedSchema>;
export type RiskAlertRaised = z.infer<typeof riskAlertRaisedSchema>;
export type RiskAlertSeverity = z.infer<typeof riskAlertSeveritySchema>;

// The payment event payloads risk consumes are declared beside it until the payment service adopts them; this
// re-export keeps libs/contracts/src/index.ts at one appended line per engineer.
export * from './payments';
