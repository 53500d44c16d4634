/**
 * The identities that call the gateway's gRPC services, as their client certificates carry them
 * (`spiffe://wxpay/<identity>`, issued by the services CA). Methods name their callers with these (@Callers);
 * the table of who may call what is in the README ("Callers").
 */
export const Identities = {
  payment: 'payment',
  tokenization: 'tokenization',
  risk: 'risk',
  repayment: 'repayment',
  /** The bank's channel backend (the mini-program / app backend cardholders use). */
  channel: 'channel',
  /** The operations console (its backend-for-frontend). */
  console: 'console',
  /** The issuer's card system, which issues statements (for callers without Kafka). */
  cardSystem: 'card-system',
} as const;

export type Identity = (typeof Identities)[keyof typeof Identities];
