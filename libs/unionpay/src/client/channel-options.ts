import { type Sm2PrivateKey, type Sm2PublicKey } from '@wxpay/gm-crypto';
import { type Logger, type Metrics } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type Originator } from '../profile/messages';

export interface ChannelTls {
  /** PEM: the CA that issued the switch's certificate. */
  ca: Buffer | string;
  /** PEM: our client certificate and key (mutual TLS). */
  cert: Buffer | string;
  key: Buffer | string;
  /** Name checked against the switch certificate; defaults to the host. */
  servername?: string;
}

export interface ChannelKeys {
  /** Zone master key shared with the switch (16 bytes, SM4): unwraps the working keys. */
  zoneKey: Buffer;
  /** Our SM2 private key, whose public key the switch has registered. */
  acquirerPrivateKey: Sm2PrivateKey;
  /** The switch's SM2 public key. */
  switchPublicKey: Sm2PublicKey;
}

export interface ReversalSchedule {
  /** Delays before the first attempts after the first one (immediate retries). Default [500, 1000, 2000]. */
  retryDelaysMs: number[];
  /** Then every this many ms, forever (a reversal is never dropped). Default 30 000. */
  steadyIntervalMs: number;
  /** How often the forwarder looks for due reversals and orphaned requests. Default 1 000. */
  pollIntervalMs: number;
}

export interface UnionPayClientOptions {
  host: string;
  port: number;
  tls: ChannelTls;
  keys: ChannelKeys;
  /** Header destination (switch institution code, also the switch's SM2 user ID). */
  switchId: string;
  originator: Originator;
  /** The caller's database, holding the request log (list UnionPayRequestLogMigration in its migrations). */
  dataSource: DataSource;
  logger: Logger;
  /** Optional: unionpay_channel_* request, latency and ignored-answer metrics. */
  metrics?: Metrics;
  /** TLS connections kept open; requests are spread over the signed-on ones. Default 1. */
  connections?: number;
  /** Acquirer timeout: an unanswered financial request is reversed after this. Default 10 000. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Idle time after which a connection sends an echo test (0820/301). Default 30 000. */
  heartbeatIntervalMs?: number;
  reconnect?: { initialDelayMs: number; maxDelayMs: number };
  reversal?: Partial<ReversalSchedule>;
  /**
   * A request still pending this long after it was logged belongs to a process that died (or lost it): it is
   * reversed. Must exceed requestTimeoutMs. Default 2 × requestTimeoutMs + 5 000.
   */
  orphanAfterMs?: number;
}

export interface ResolvedOptions extends Required<
  Omit<UnionPayClientOptions, 'reversal' | 'reconnect' | 'metrics'>
> {
  metrics?: Metrics;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  reversal: ReversalSchedule;
}

export function resolveOptions(o: UnionPayClientOptions): ResolvedOptions {
  const requestTimeoutMs = o.requestTimeoutMs ?? 10_000;
  return {
    ...o,
    connections: o.connections ?? 1,
    requestTimeoutMs,
    connectTimeoutMs: o.connectTimeoutMs ?? 5_000,
    heartbeatIntervalMs: o.heartbeatIntervalMs ?? 30_000,
    reconnect: o.reconnect ?? { initialDelayMs: 100, maxDelayMs: 5_000 },
    reversal: {
      retryDelaysMs: o.reversal?.retryDelaysMs ?? [500, 1_000, 2_000],
      steadyIntervalMs: o.reversal?.steadyIntervalMs ?? 30_000,
      pollIntervalMs: o.reversal?.pollIntervalMs ?? 1_000,
    },
    orphanAfterMs: o.orphanAfterMs ?? 2 * requestTimeoutMs + 5_000,
  };
}
