import { randomUUID } from 'node:crypto';
import { maskPan } from '@wxpay/card';
import { isTracing, SpanKind, traced, type Logger } from '@wxpay/observability';
import { type Money } from '@wxpay/persistence';
import { type IsoMessage } from '../codec/iso-message';
import { ChannelUnavailableError, UnionPayRequestError } from '../errors/unionpay-errors';
import { transmissionDateTime } from '../profile/beijing-time';
import { amountField, currencyNumeric } from '../profile/currency';
import { Mti, ReversalReason, TRANSACTION_TYPES, type TransactionKind } from '../profile/message-types';
import { financialRequest, reversalAdvice } from '../profile/messages';
import { responseCodeInfo, ResponseCode, settlesReversal } from '../profile/response-codes';
import { applyMac, verifyMac } from '../security/mac';
import { requireExpiry, requirePan } from '../security/pan';
import { keyGenerationOf } from '../security/security-control';
import { encryptSensitiveData, type SensitiveCardData } from '../security/sensitive-data';
import { RequestLog, type RequestRecord } from '../wal/request-log';
import { ReversalForwarder, type ReversalAttempt } from '../wal/reversal-forwarder';
import { StanAllocator } from '../wal/stan-allocator';
import { resolveOptions, type ResolvedOptions, type UnionPayClientOptions } from './channel-options';
import { channelMetrics, type ChannelMetrics } from './channel-metrics';
import { ChannelPool } from './channel-pool';
import { ExchangeError } from './exchange-error';
import { type RecentOutcome } from './recent-outcomes';
import {
  type CardTransactionRequest,
  type ChannelResult,
  type FollowUpRequest,
  type IgnoredAnswer,
  type ReversalResult,
  type TransactionReference,
} from './results';

export interface ChannelStats {
  lateAnswers: number;
  duplicateAnswers: number;
  unknownAnswers: number;
}

/**
 * The UnionPay channel as a typed API. Each financial call writes its request to the log first (with an armed
 * reversal), sends it MACed with its card data SM4-encrypted, and turns the answer into a typed result. No
 * answer in time means a reversal, delivered by the forwarder until the switch acknowledges it.
 */
export class UnionPayClient {
  readonly #o: ResolvedOptions;
  readonly #logger: Logger;
  readonly #pool: ChannelPool;
  readonly #log: RequestLog;
  readonly #stans: StanAllocator;
  readonly #forwarder: ReversalForwarder;
  readonly #ignoredListeners: ((a: IgnoredAnswer) => void)[] = [];
  readonly #stats: ChannelStats = { lateAnswers: 0, duplicateAnswers: 0, unknownAnswers: 0 };
  readonly #metrics: ChannelMetrics;
  #started = false;

  constructor(options: UnionPayClientOptions) {
    this.#o = resolveOptions(options);
    if (this.#o.orphanAfterMs <= this.#o.requestTimeoutMs) {
      throw new UnionPayRequestError('orphanAfterMs', 'must exceed requestTimeoutMs');
    }
    this.#logger = options.logger.child({ component: 'unionpay-channel' });
    this.#metrics = channelMetrics(options.metrics);
    this.#log = new RequestLog(options.dataSource, `${process.pid}-${randomUUID().slice(0, 8)}`);
    this.#stans = new StanAllocator(options.dataSource);
    this.#pool = new ChannelPool(
      this.#o,
      { nextStan: () => this.#stans.next(), onUnmatched: (m, known) => this.#onUnmatched(m, known) },
      this.#logger,
    );
    this.#forwarder = new ReversalForwarder(
      this.#log,
      (row) => this.#deliverReversal(row),
      this.#o.reversal,
      this.#o.requestTimeoutMs,
      this.#o.orphanAfterMs,
      this.#logger,
    );
  }

  /** Connects, signs on, exchanges keys and resumes pending reversals. Resolves whether the channel is up. */
  async start(waitReadyMs = this.#o.connectTimeoutMs): Promise<boolean> {
    if (!this.#started) {
      this.#started = true;
      this.#pool.start();
      this.#forwarder.start();
    }
    return this.#pool.waitReady(waitReadyMs);
  }

  async close(): Promise<void> {
    await this.#forwarder.stop();
    await this.#pool.close();
  }

  get ready(): boolean {
    return this.#pool.pick() !== undefined;
  }

  /** Generation of the working keys in use (F53), undefined before the first key exchange. */
  get keyGeneration(): number | undefined {
    return this.#pool.keyRing.current?.generation;
  }

  get readyConnections(): number {
    return this.#pool.readyConnections;
  }

  stats(): ChannelStats {
    return { ...this.#stats };
  }

  onAnswerIgnored(listener: (a: IgnoredAnswer) => void): void {
    this.#ignoredListeners.push(listener);
  }

  /** Pre-authorisation (hold): 0100, F3 030000, F25 06. */
  authorize(request: CardTransactionRequest): Promise<ChannelResult> {
    return this.#cardTransaction('preauth', request);
  }

  /** Purchase: 0200, F3 000000, F25 00. */
  purchase(request: CardTransactionRequest): Promise<ChannelResult> {
    return this.#cardTransaction('purchase', request);
  }

  /** Repayment credited to the card account: 0200, F3 210000. */
  repaymentCredit(request: CardTransactionRequest): Promise<ChannelResult> {
    return this.#cardTransaction('credit', request);
  }

  /** Pre-authorisation completion: 0200, F3 000000, F25 06, F90 = the pre-authorisation. */
  async complete(request: FollowUpRequest): Promise<ChannelResult> {
    if (request.original?.kind !== 'preauth')
      throw new UnionPayRequestError('original', 'must be a pre-authorisation');
    return this.#transact('completion', request.amount, undefined, null, request.original);
  }

  /** Refund of a purchase or completion: 0220 advice, F3 200000, F90 = the original. */
  async refund(request: FollowUpRequest): Promise<ChannelResult> {
    const kind = request.original?.kind;
    if (kind !== 'purchase' && kind !== 'completion') {
      throw new UnionPayRequestError('original', 'must be a purchase or a completion');
    }
    return this.#transact('refund', request.amount, undefined, null, request.original);
  }

  /**
   * Reverses an approved request of this channel (0420). The reversal is stored first and forwarded until
   * acknowledged; this resolves with the acknowledgement, or 'queued' if it has not come within `waitMs`.
   */
  async reverse(
    reference: TransactionReference,
    waitMs = this.#o.requestTimeoutMs + 1_000,
  ): Promise<ReversalResult> {
    const row = await this.#log.requestReversal(reference.requestId, ReversalReason.ACQUIRER_REQUESTED);
    if (!row || (row.reversalState !== 'pending' && row.reversalState !== 'acknowledged')) {
      throw new UnionPayRequestError('reference', 'is not an approved request of this channel');
    }
    if (row.reversalState === 'acknowledged')
      return { outcome: 'acknowledged', responseCode: row.reversalResponseCode ?? '00' };
    const acknowledged = this.#forwarder.waitForAcknowledgement(row.id, waitMs);
    this.#forwarder.kick();
    const code = await acknowledged;
    return code === undefined ? { outcome: 'queued' } : { outcome: 'acknowledged', responseCode: code };
  }

  async #cardTransaction(kind: TransactionKind, request: CardTransactionRequest): Promise<ChannelResult> {
    const pan = requirePan(request?.pan);
    const expiry = request.expiry === undefined ? undefined : requireExpiry(request.expiry);
    const cardRef = request.cardRef === undefined ? maskPan(pan) : request.cardRef;
    if (/^[0-9]{12,19}$/.test(cardRef))
      throw new UnionPayRequestError('cardRef', 'must not be a card number');
    return this.#transact(kind, request.amount, { pan, expiry }, cardRef, undefined);
  }

  async #transact(
    kind: TransactionKind,
    amount: Money,
    card: SensitiveCardData | undefined,
    cardRef: string | null,
    original: TransactionReference | undefined,
  ): Promise<ChannelResult> {
    if (!isTracing()) return this.#timed(kind, amount, card, cardRef, original);
    // A client span per request with the switch named as the peer (the switch takes no trace context: the span
    // is where the trace shows the channel's time and answer).
    return traced(
      `unionpay ${kind}`,
      { kind: SpanKind.CLIENT, attributes: { 'peer.service': 'unionpay', 'wxpay.unionpay.kind': kind } },
      async (span) => {
        const result = await this.#timed(kind, amount, card, cardRef, original);
        const code = result.outcome === 'timed-out' ? 'none' : result.responseCode;
        span?.setAttributes({
          'wxpay.unionpay.outcome': result.outcome,
          'wxpay.unionpay.response_code': code,
        });
        return result;
      },
    );
  }

  async #timed(
    kind: TransactionKind,
    amount: Money,
    card: SensitiveCardData | undefined,
    cardRef: string | null,
    original: TransactionReference | undefined,
  ): Promise<ChannelResult> {
    const started = performance.now();
    const result = await this.#send(kind, amount, card, cardRef, original);
    const code = result.outcome === 'timed-out' ? 'none' : result.responseCode;
    this.#metrics.requestFinished(kind, result.outcome, code, (performance.now() - started) / 1000);
    return result;
  }

  async #send(
    kind: TransactionKind,
    amount: Money,
    card: SensitiveCardData | undefined,
    cardRef: string | null,
    original: TransactionReference | undefined,
  ): Promise<ChannelResult> {
    const f4 = amountField(amount?.minor);
    const f49 = currencyNumeric(amount.currency);
    if (!this.#pool.keyRing.current || !this.#pool.pick())
      throw new ChannelUnavailableError('the UnionPay channel is not connected');
    const type = TRANSACTION_TYPES[kind];
    const { originator } = this.#o;
    const at = new Date();
    const stan = await this.#stans.next();
    const f7 = transmissionDateTime(at);
    const rrn = `${f7.slice(4)}${stan}`;
    const reference: TransactionReference = {
      requestId: randomUUID(),
      kind,
      mti: type.mti,
      stan,
      transmissionDateTime: f7,
      rrn,
      acquirerId: originator.acquirerId,
      forwardingId: originator.forwardingId,
      terminalId: originator.terminalId,
      amount,
    };
    await this.#log.insert({
      id: reference.requestId,
      kind,
      mti: type.mti,
      processingCode: type.processingCode,
      posCondition: type.posConditionCode,
      stan,
      transmitted: f7,
      rrn,
      acquirerId: originator.acquirerId,
      forwardingId: originator.forwardingId,
      terminalId: originator.terminalId,
      merchantId: originator.merchantId,
      amountMinor: amount.minor,
      currency: amount.currency,
      cardRef,
      originalRequestId: original?.requestId ?? null,
    });
    // Taken after the write-ahead: a key exchange may have completed meanwhile.
    const keys = this.#pool.keyRing.current!;
    const message = applyMac(
      financialRequest({
        type,
        originator,
        trace: { stan, transmissionDateTime: f7, rrn, at },
        amount: f4,
        currency: f49,
        keyGeneration: keys.generation,
        sensitiveData: card ? encryptSensitiveData(keys.dataKey, card) : undefined,
        original: original && {
          mti: original.mti,
          stan: original.stan,
          transmissionDateTime: original.transmissionDateTime,
          acquirerId: original.acquirerId,
          forwardingId: original.forwardingId,
        },
      }),
      keys.macKey,
    );
    const session = this.#pool.pick();
    let response: IsoMessage;
    try {
      if (!session) throw new ExchangeError('not-sent', 'no connection');
      response = await session.exchange(message, this.#o.requestTimeoutMs);
    } catch (e) {
      if (!(e instanceof ExchangeError)) {
        await this.#log.markNotSent(reference.requestId); // refused before it reached the socket
        throw e;
      }
      if (e.failure === 'not-sent') {
        await this.#log.markNotSent(reference.requestId);
        throw new ChannelUnavailableError('the UnionPay channel lost its connection before sending');
      }
      if (e.failure === 'rejected') {
        return this.#conclude(reference, ResponseCode.FORMAT_ERROR, undefined, undefined);
      }
      return this.#timedOut(reference, ReversalReason.ACQUIRER_TIMEOUT);
    }
    const code = response.text(39) ?? '';
    if (!this.#macValid(response)) {
      // A0 means the switch did nothing; any other answer we cannot authenticate is treated as no answer.
      if (code === ResponseCode.BAD_MAC) return this.#conclude(reference, code, undefined, undefined);
      return this.#timedOut(reference, ReversalReason.BAD_RESPONSE_MAC);
    }
    return this.#conclude(reference, code, response.text(38), response.text(15));
  }

  #macValid(response: IsoMessage): boolean {
    try {
      const keys = this.#pool.keyRing.forGeneration(keyGenerationOf(response.text(53)));
      if (!keys) return false;
      verifyMac(response, keys.macKey);
      return true;
    } catch {
      return false;
    }
  }

  async #conclude(
    reference: TransactionReference,
    code: string,
    authCode: string | undefined,
    settlementDate: string | undefined,
  ): Promise<ChannelResult> {
    const info = responseCodeInfo(code);
    const approved = info.class === 'approved';
    const applied = await this.#log.finish({
      id: reference.requestId,
      state: approved ? 'approved' : 'declined',
      responseCode: code,
      authCode: approved ? (authCode ?? null) : null,
      settlementDate: settlementDate ?? null,
    });
    // The orphan sweep concluded the row first: it is being reversed, so this answer must not count.
    if (!applied) return this.#timedOut(reference, ReversalReason.LATE_RESPONSE);
    if (code === ResponseCode.BAD_MAC) this.#pool.requestKeyResync();
    const base = {
      stan: reference.stan,
      rrn: reference.rrn,
      reference,
      responseCode: code,
      meaning: info.meaning,
    };
    if (approved) return { ...base, outcome: 'approved', authCode: authCode ?? '', settlementDate };
    return { ...base, outcome: 'declined', responseClass: info.class, retryable: info.class !== 'declined' };
  }

  async #timedOut(reference: TransactionReference, reason: string): Promise<ChannelResult> {
    if (await this.#log.timeOut(reference.requestId, reason)) this.#forwarder.kick();
    this.#logger.warn(
      {
        requestId: reference.requestId,
        kind: reference.kind,
        stan: reference.stan,
        rrn: reference.rrn,
        reason,
      },
      'unionpay request got no usable answer; reversal queued',
    );
    return {
      outcome: 'timed-out',
      reversal: 'queued',
      reason,
      stan: reference.stan,
      rrn: reference.rrn,
      reference,
    };
  }

  async #deliverReversal(row: RequestRecord): Promise<ReversalAttempt> {
    const keys = this.#pool.keyRing.current;
    const session = this.#pool.pick();
    if (!keys || !session) return { settled: false, responseCode: null };
    const message = applyMac(
      reversalAdvice({
        original: {
          mti: row.mti,
          processingCode: row.processingCode,
          posConditionCode: row.posCondition,
          stan: row.stan,
          transmissionDateTime: row.transmitted,
          rrn: row.rrn,
          amount: amountField(row.amountMinor),
          currency: currencyNumeric(row.currency),
        },
        originator: this.#o.originator,
        transmissionDateTime: transmissionDateTime(new Date()),
        reason: row.reversalReason ?? ReversalReason.ACQUIRER_TIMEOUT,
        keyGeneration: keys.generation,
      }),
      keys.macKey,
    );
    let response: IsoMessage;
    try {
      response = await session.exchange(message, this.#o.requestTimeoutMs);
    } catch (e) {
      this.#logger.warn({ requestId: row.id, err: (e as Error).message }, 'unionpay reversal got no answer');
      return { settled: false, responseCode: null };
    }
    const code = response.text(39) ?? '';
    if (!this.#macValid(response)) {
      if (code === ResponseCode.BAD_MAC) this.#pool.requestKeyResync();
      return { settled: false, responseCode: code === ResponseCode.BAD_MAC ? code : null };
    }
    return settlesReversal(code)
      ? { settled: true, responseCode: code }
      : { settled: false, responseCode: code };
  }

  #onUnmatched(response: IsoMessage, known: RecentOutcome | undefined): void {
    const stan = response.text(11) ?? '';
    const rrn = response.text(37);
    const base = { mti: response.mti, stan, rrn, responseCode: response.text(39) };
    if (known) {
      this.#ignored({ ...base, kind: known === 'answered' ? 'duplicate' : 'late' });
      return;
    }
    if (rrn === undefined) {
      this.#ignored({ ...base, kind: 'unknown' });
      return;
    }
    // Older than the connection's memory: classify from the request log. Either way the answer is not applied.
    this.#log
      .findByTrace(this.#o.originator.terminalId, stan, rrn)
      .then((row) => {
        let kind: IgnoredAnswer['kind'] = 'unknown';
        if (row && response.mti === Mti.REVERSAL_RESPONSE)
          kind = row.reversalState === 'acknowledged' ? 'duplicate' : 'late';
        else if (row) kind = row.state === 'timed-out' ? 'late' : 'duplicate';
        this.#ignored({ ...base, kind });
      })
      .catch((e: unknown) =>
        this.#logger.error({ err: (e as Error).message }, 'classifying an unmatched answer failed'),
      );
  }

  #ignored(answer: IgnoredAnswer): void {
    this.#metrics.answerIgnored(answer.kind);
    if (answer.kind === 'late') this.#stats.lateAnswers++;
    else if (answer.kind === 'duplicate') this.#stats.duplicateAnswers++;
    else this.#stats.unknownAnswers++;
    this.#logger.warn({ ...answer }, `unionpay ${answer.kind} answer ignored`);
    for (const l of this.#ignoredListeners) l(answer);
  }
}
