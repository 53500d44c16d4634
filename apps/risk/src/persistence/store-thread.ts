import { extname, join } from 'path';
import { Worker } from 'worker_threads';
import { NO_METRICS, type MessagingMetrics } from '@wxpay/messaging';
import { type Logger } from 'pino';
import { type DecisionRecord } from '../domain/decisions/decision-record';
import { type DecisionBatchWriter } from './decision-recorder';
import { type FromStoreThread, type StoreThreadData, type ToStoreThread } from './store-thread-messages';

const WORKER_FILE = join(__dirname, `store-thread.worker${extname(__filename)}`);
/** Run from TypeScript sources (npm start, tests, benchmarks), the thread needs the same compile hook. */
const TS_HOOK = join(__dirname, '..', '..', '..', '..', 'tools', 'ts-register.js');

export interface DecisionStoreThreadOptions extends StoreThreadData {
  logger: Logger;
  /** Where the relay's figures go when it runs in the thread. */
  metrics?: MessagingMetrics;
  stopTimeoutMs?: number;
}

interface Waiting {
  worker: Worker;
  resolve: () => void;
  reject: (e: Error) => void;
}

/**
 * Writes decision batches from a worker thread of their own, and there also runs the outbox relay when asked. At
 * 1,000 Evaluate calls a second the batches and the relay rounds they trigger (a statement, then SELECT, a Kafka
 * produce and UPDATE, a hundred times a second) cost the Evaluate event loop about a third of its CPU and half its
 * garbage collections, and every slow stretch of that work delays the calls queued behind it. In a thread they
 * run beside the loop instead of on it; the loop only hands each batch over (a structured clone of a few
 * records). A thread that dies fails its unanswered batches (the recorder keeps and retries them) and the next
 * batch starts a new one.
 */
export class DecisionStoreThread implements DecisionBatchWriter {
  private started?: Promise<Worker>;
  private current?: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private stopping = false;

  constructor(private readonly opts: DecisionStoreThreadOptions) {}

  /** Starts the thread (and its relay) now rather than with the first batch; rejects if it cannot start. */
  async start(): Promise<void> {
    await this.running();
  }

  write(batch: readonly DecisionRecord[]): Promise<void> {
    return this.running().then(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          const id = ++this.nextId;
          this.waiting.set(id, { worker, resolve, reject });
          worker.postMessage({ type: 'write', id, batch } satisfies ToStoreThread);
        }),
    );
  }

  /** Lets the relay finish its round and closes the thread's connections (after the recorder drained). */
  async stop(): Promise<void> {
    this.stopping = true;
    const worker = await this.started?.catch(() => undefined);
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate(), this.opts.stopTimeoutMs ?? 10_000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ type: 'stop' } satisfies ToStoreThread);
    });
  }

  private running(): Promise<Worker> {
    if (this.stopping) return Promise.reject(new Error('the decision store thread is stopping'));
    this.started ??= this.spawn();
    return this.started;
  }

  private spawn(): Promise<Worker> {
    const { logger, metrics = NO_METRICS, databaseUrl, decisionsTopic, logLevel, relay } = this.opts;
    const data: StoreThreadData = { databaseUrl, decisionsTopic, logLevel, relay };
    const fromSources = extname(__filename) === '.ts';
    const worker = new Worker(WORKER_FILE, {
      workerData: data,
      ...(fromSources ? { execArgv: ['-r', TS_HOOK] } : {}),
    });
    this.current = worker;
    return new Promise<Worker>((resolve, reject) => {
      worker.on('message', (m: FromStoreThread) => {
        switch (m.type) {
          case 'ready':
            resolve(worker);
            break;
          case 'written': {
            const w = this.waiting.get(m.id);
            this.waiting.delete(m.id);
            if (m.error === undefined) w?.resolve();
            else w?.reject(new Error(m.error));
            break;
          }
          case 'metric':
            if (m.name === 'published') metrics.published(...m.args);
            else metrics.pending(...m.args);
            break;
          case 'failed':
            logger.error({ error: m.error }, 'the decision store thread could not start');
            reject(new Error(`the decision store thread could not start: ${m.error}`));
            void worker.terminate(); // its exit clears the way for a new thread
            break;
          case 'stopped':
            break;
        }
      });
      worker.on('error', (e) => {
        logger.error({ error: e.message }, 'the decision store thread failed');
        reject(e);
        this.lost(worker, e);
      });
      worker.on('exit', (code) => {
        const e = new Error(`the decision store thread exited with code ${code}`);
        reject(e);
        this.lost(worker, e);
      });
    });
  }

  /** The unanswered batches of a thread that ended fail; the next batch starts a new thread. */
  private lost(worker: Worker, error: Error): void {
    for (const [id, w] of this.waiting) {
      if (w.worker !== worker) continue;
      this.waiting.delete(id);
      w.reject(error);
    }
    if (this.current === worker) {
      this.current = undefined;
      this.started = undefined;
    }
  }
}
