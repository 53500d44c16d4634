import { type Logger } from 'pino';
import { type Platformatic, platformatic } from './platformatic';
import {
  deserializers,
  received,
  type HeaderKey,
  type HeaderValue,
  type Key,
  type ReceivedMessage,
  type Value,
} from './serde';

type Consumer = Platformatic.Consumer<Key, Value, HeaderKey, HeaderValue>;
type Stream = Platformatic.MessagesStream<Key, Value, HeaderKey, HeaderValue>;
type Message = Platformatic.Message<Key, Value, HeaderKey, HeaderValue>;

export interface GroupConsumerOptions {
  options: Platformatic.BaseOptions;
  logger: Logger;
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts: the beginning (default) or new messages only. */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /** Partitions worked on at once; messages of one partition are always handled one chunk at a time, in order. */
  concurrency?: number;
  /** Messages of one partition handed over at once (1: one by one). */
  maxChunk?: number;
  /** Start at these offsets instead of the group's committed ones (a reader's marks). */
  startAt?: { topic: string; partition: number; offset: bigint }[];
  /** False for a reader that never commits (its group is thrown away). */
  commits?: boolean;
  /** Handles a chunk of one partition's messages in offset order; their offsets are committed after it returns. */
  handle: (chunk: ReceivedMessage[]) => Promise<void>;
}

/** Buffered messages at which the stream pauses (and half of which it resumes at). */
const HIGH_WATER = 2000;
const RESTART_DELAY_MS = 1000;

/**
 * A consumer group member that hands each partition's messages over in order, partitions side by side, and
 * commits a partition's offset after its chunk was handled. Heartbeats run on the client's own timer, so a slow
 * handler (a retry with backoff) does not lose the partitions. A rebalance drops what was buffered for the
 * partitions taken away (their next owner reads them from the last commit); a stream that fails is opened again.
 * Delivery is at least once: the inbox in front of every handler makes a redelivery change nothing.
 */
export class GroupConsumer {
  private consumer?: Consumer;
  private stream?: Stream;
  private running = false;
  private readonly lanes = new Map<string, Message[]>();
  private readonly active = new Set<string>();
  private buffered = 0;
  private assigned?: Set<string>;
  private readonly idle: (() => void)[] = [];
  private reopening = false;

  constructor(private readonly o: GroupConsumerOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const sessionTimeout = this.o.sessionTimeoutMs ?? 10_000;
    this.consumer = new platformatic.Consumer<Key, Value, HeaderKey, HeaderValue>({
      ...this.o.options,
      groupId: this.o.groupId,
      sessionTimeout,
      heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
      rebalanceTimeout: Math.max(sessionTimeout, 30_000),
      deserializers,
      autocreateTopics: false,
    });
    this.consumer.on('consumer:group:join', ({ assignments }) => this.onAssignment(assignments));
    try {
      await this.open();
    } catch (e) {
      this.running = false;
      await this.consumer.close(true).catch(() => undefined);
      throw e;
    }
  }

  /** Stops taking messages, lets the chunks being handled finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stream?.pause();
    this.lanes.clear();
    this.buffered = 0;
    if (this.active.size) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.stream?.close().catch(() => undefined);
    await this.consumer?.close().catch(() => undefined);
  }

  private async open(): Promise<void> {
    const stream = await this.consumer!.consume({
      topics: this.o.topics,
      ...(this.o.startAt
        ? { mode: 'manual' as const, offsets: this.o.startAt }
        : { mode: 'committed' as const }),
      fallbackMode: this.o.fromBeginning === false ? 'latest' : 'earliest',
      autocommit: false,
      maxWaitTime: 500,
    });
    this.stream = stream;
    stream.on('data', (m: Message) => {
      if (stream === this.stream) this.enqueue(m);
    });
    stream.on('error', (e: unknown) => {
      if (stream === this.stream) this.fail(e, 'consumer stream failed; reopening');
    });
  }

  /**
   * Drops the stream and everything buffered, and opens a new stream from the committed offsets: what was not
   * committed is read again (and skipped by the inbox where it was applied).
   */
  private fail(e: unknown, message: string): void {
    if (!this.running || this.reopening) return;
    this.o.logger.warn({ group: this.o.groupId, error: e instanceof Error ? e.message : String(e) }, message);
    this.reopening = true;
    const old = this.stream;
    this.stream = undefined;
    this.lanes.clear();
    this.buffered = 0;
    void old?.close().catch(() => undefined);
    void this.reopen();
  }

  private async reopen(): Promise<void> {
    while (this.running) {
      await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
      if (!this.running) break;
      try {
        await this.open();
        break;
      } catch (e) {
        this.o.logger.warn(
          { group: this.o.groupId, error: e instanceof Error ? e.message : String(e) },
          'consumer stream not reopened yet',
        );
      }
    }
    this.reopening = false;
  }

  private onAssignment(assignments: Platformatic.GroupAssignment[] | undefined): void {
    this.assigned = new Set((assignments ?? []).flatMap((a) => a.partitions.map((p) => laneOf(a.topic, p))));
    for (const [lane, messages] of this.lanes) {
      if (this.assigned.has(lane)) continue;
      this.buffered -= messages.length;
      this.lanes.delete(lane);
    }
  }

  private enqueue(m: Message): void {
    if (!this.running) return;
    const lane = laneOf(m.topic, m.partition);
    if (this.assigned && !this.assigned.has(lane)) return;
    const queue = this.lanes.get(lane) ?? [];
    queue.push(m);
    this.lanes.set(lane, queue);
    this.buffered++;
    if (this.buffered >= HIGH_WATER) this.stream?.pause();
    this.schedule();
  }

  private schedule(): void {
    const limit = Math.max(1, this.o.concurrency ?? 1);
    for (const lane of this.lanes.keys()) {
      if (this.active.size >= limit) return;
      if (!this.active.has(lane)) void this.work(lane);
    }
  }

  /** Drains one partition's queue chunk by chunk; only one worker per partition at a time. */
  private async work(lane: string): Promise<void> {
    this.active.add(lane);
    try {
      for (;;) {
        const queue = this.lanes.get(lane);
        if (!this.running || !queue || queue.length === 0) break;
        const chunk = queue.splice(0, Math.max(1, this.o.maxChunk ?? 1));
        if (queue.length === 0) this.lanes.delete(lane);
        this.buffered -= chunk.length;
        if (this.buffered < HIGH_WATER / 2 && this.stream?.isPaused()) this.stream.resume();
        await this.o.handle(chunk.map(received));
        this.commit(chunk[chunk.length - 1]!);
      }
    } catch (e) {
      // A handler throws only when it could not even dead-letter (the database or the DLQ is away): the chunk
      // stays uncommitted and this partition is read again from its last commit when the stream reopens.
      this.fail(e, 'consumer handler failed; the partition is read again from its last commit');
    } finally {
      this.active.delete(lane);
      if (this.active.size === 0) this.idle.splice(0).forEach((resolve) => resolve());
      if (this.running) this.schedule();
    }
  }

  /** Coalesced by the client (one commit in flight per partition, highest offset wins); a lost one redelivers. */
  private commit(last: Message): void {
    if (this.o.commits === false) return;
    Promise.resolve(last.commit()).catch((e: unknown) =>
      this.o.logger.debug(
        { group: this.o.groupId, error: e instanceof Error ? e.message : String(e) },
        'offset commit failed (the messages will be delivered again and skipped by the inbox)',
      ),
    );
  }
}

function laneOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
