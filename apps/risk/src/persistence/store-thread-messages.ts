import { type KafkaConnection } from '@wxpay/messaging';
import { type DecisionRecord } from '../domain/decisions/decision-record';

/** What the decision store thread is started with. */
export interface StoreThreadData {
  databaseUrl: string;
  decisionsTopic: string;
  logLevel: string;
  /** Run the service's outbox relay in the thread (the Nest shell then runs none). */
  relay: { connection: KafkaConnection } | null;
}

export type ToStoreThread =
  { type: 'write'; id: number; batch: readonly DecisionRecord[] } | { type: 'stop' };

export type FromStoreThread =
  | { type: 'ready' }
  | { type: 'written'; id: number; error?: string }
  | { type: 'metric'; name: 'published'; args: [topic: string, count: number] }
  | { type: 'metric'; name: 'pending'; args: [count: number] }
  | { type: 'failed'; error: string }
  | { type: 'stopped' };
