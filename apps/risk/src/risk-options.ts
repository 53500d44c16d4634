import { type KafkaConnection } from '@wxpay/messaging';
import { Topics } from '@wxpay/contracts';
import { type RiskConfig } from './config';
import { type TokenSuspender } from './ports/token-suspender.port';

export const SERVICE_NAME = 'risk';
export const RISK_OPTIONS = Symbol('RISK_OPTIONS');

export interface RiskTopics {
  payments: string;
  cards: string;
  decisions: string;
  alerts: string;
}

export const DEFAULT_TOPICS: RiskTopics = {
  payments: Topics.paymentsLifecycle.name,
  cards: Topics.cardsLifecycle.name,
  decisions: Topics.riskDecisions.name,
  alerts: Topics.riskAlerts.name,
};

export interface RiskRunOptions {
  config: RiskConfig;
  /** Environment for the TLS files (PKI_DIR, GRPC_TLS…); defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  topics?: RiskTopics;
  /** Overrides RISK_STREAM (tests drive the state directly). */
  consume?: boolean;
  /** Instead of the vault's typed client (tests record the suspensions; benchmarks drop them). */
  suspender?: TokenSuspender;
  /** Brokers of the decision store thread's outbox relay (KAFKA_BROKERS when absent). */
  kafka?: KafkaConnection;
  /**
   * Run the outbox relay (in the decision store thread with RISK_DECISION_STORE=thread, else in MessagingModule);
   * off when the caller runs its own (tests). Default on.
   */
  relay?: boolean;
}
