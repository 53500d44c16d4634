import { z } from 'zod';

/**
 * Facts on `statements.v1`, published by the card system (the issuer's core): a statement was issued, or the
 * cardholder repaid it another way (counter, app, transfer). Key (aggregate id): the statement id. Money is integer
 * minor units with a currency; `dueDate` is the Beijing calendar date the payment is due.
 */
export const StatementEventTypes = {
  issued: 'StatementIssued',
  paymentReceived: 'StatementPaymentReceived',
} as const;

const minor = z.number().int().min(0).refine(Number.isSafeInteger, 'must be a safe integer');
const currency = z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code');
export const statementMoneySchema = z.object({ minor, currency });

/** A token from the vault; never a card number (a 12–19 digit run is refused). */
const cardToken = z
  .string()
  .min(1)
  .max(128)
  .refine((t) => !/\d{12,19}/.test(t), 'must be a vault token, not a card number');

export const statementIssuedSchema = z
  .object({
    statementId: z.string().min(1).max(64),
    cardToken,
    amountDue: statementMoneySchema,
    minimumDue: statementMoneySchema,
    dueDate: z.iso.date(),
    /** Start and end of the billing cycle (Beijing dates), informative. */
    cycleStart: z.iso.date().optional(),
    cycleEnd: z.iso.date().optional(),
  })
  .refine((s) => s.minimumDue.currency === s.amountDue.currency, {
    message: 'minimumDue and amountDue must share a currency',
    path: ['minimumDue', 'currency'],
  })
  .refine((s) => s.minimumDue.minor <= s.amountDue.minor, {
    message: 'must not exceed amountDue',
    path: ['minimumDue', 'minor'],
  });

export const statementPaymentReceivedSchema = z.object({
  statementId: z.string().min(1).max(64),
  cardToken,
  amount: statementMoneySchema.refine((m) => m.minor > 0, 'must be positive'),
  /** Where the money came from (COUNTER, APP, TRANSFER, …); informative. */
  channel: z.string().min(1).max(32),
  /** The card system's reference for the payment. */
  paymentRef: z.string().min(1).max(64),
});

export type StatementIssued = z.infer<typeof statementIssuedSchema>;
export type StatementPaymentReceived = z.infer<typeof statementPaymentReceivedSchema>;

export const statementPayloadSchemas = {
  StatementIssued: statementIssuedSchema,
  StatementPaymentReceived: statementPaymentReceivedSchema,
} as const;
