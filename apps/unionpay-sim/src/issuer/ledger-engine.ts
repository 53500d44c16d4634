import { randomInt } from 'node:crypto';
import { beijingDate, beijingYearMonth, ResponseCode } from '@wxpay/unionpay';
import {
  originalKeyOf,
  traceKeyOf,
  type Account,
  type JournalRow,
  type LedgerOutcome,
  type LedgerRequest,
} from './ledger-model';

/** What a batch starts from: the rows it may touch, loaded (and locked) by the store. */
export interface LedgerSnapshot {
  accounts: Account[];
  /** Journal rows referenced by the batch: originals, their originals, reversals naming them. */
  rows: JournalRow[];
  /** Trace keys of the batch's requests that already exist (duplicate transmissions). */
  existingTraces: Set<string>;
  panIndexToAccount: Map<string, number>;
}

/**
 * The issuer's rules, applied in memory to one batch of requests in arrival order. The store loads what the
 * batch needs under row locks and writes back what changed, in the same transaction; this class never touches
 * the database, so every rule is unit-testable.
 */
export class LedgerEngine {
  readonly #accounts = new Map<number, Account>();
  readonly #rowsById = new Map<number, JournalRow>();
  readonly #rowsByTrace = new Map<string, JournalRow>();
  readonly #reversalsByOriginal = new Map<string, JournalRow>();
  readonly #changedAccounts = new Set<number>();
  readonly #changedRows = new Set<number>();
  readonly #newRows: JournalRow[] = [];
  readonly #newIds = new Set<number>();

  constructor(
    private readonly snapshot: LedgerSnapshot,
    private readonly allocateId: () => number,
    private readonly now: Date,
  ) {
    for (const a of snapshot.accounts) this.#accounts.set(a.id, a);
    for (const r of snapshot.rows) this.#index(r);
  }

  get changedAccounts(): Account[] {
    return [...this.#changedAccounts].map((id) => this.#accounts.get(id)!);
  }

  /** Existing rows whose state, hold or refunded amount changed. */
  get changedRows(): JournalRow[] {
    return [...this.#changedRows].filter((id) => !this.#newIds.has(id)).map((id) => this.#rowsById.get(id)!);
  }

  get newRows(): JournalRow[] {
    return this.#newRows;
  }

  apply(req: LedgerRequest): LedgerOutcome {
    const trace = traceKeyOf(req);
    if (req.kind === 'reversal') return this.#reversal(req, trace);
    if (this.snapshot.existingTraces.has(trace) || this.#rowsByTrace.has(trace)) {
      return { responseCode: ResponseCode.DUPLICATE };
    }
    const account = req.panIndex === undefined ? undefined : this.#accountFor(req.panIndex);
    if (this.#reversalsByOriginal.has(trace)) {
      // The acquirer already reversed this request (it arrived after its own reversal): never apply it.
      return this.#record(req, account, ResponseCode.INVALID_RELATED);
    }
    if (req.forcedResponse !== undefined) return this.#record(req, account, req.forcedResponse);
    switch (req.kind) {
      case 'preauth':
      case 'purchase':
        return this.#debit(req, account);
      case 'credit':
        return this.#credit(req, account);
      case 'completion':
        return this.#completion(req);
      case 'refund':
        return this.#refund(req);
    }
  }

  #accountFor(panIndex: string): Account | undefined {
    const id = this.snapshot.panIndexToAccount.get(panIndex);
    return id === undefined ? undefined : this.#accounts.get(id);
  }

  #cardCheck(req: LedgerRequest, account: Account | undefined): string | undefined {
    if (!account) return ResponseCode.INVALID_CARD;
    if (account.status === 'lost') return ResponseCode.LOST_CARD;
    if (account.status === 'stolen') return ResponseCode.STOLEN_CARD;
    if (account.status === 'expired' || account.expiry < beijingYearMonth(this.now))
      return ResponseCode.EXPIRED_CARD;
    if (req.expiry !== undefined && req.expiry !== account.expiry) return ResponseCode.EXPIRED_CARD;
    if (req.currency !== account.currency) return ResponseCode.INVALID_AMOUNT;
    return undefined;
  }

  #debit(req: LedgerRequest, account: Account | undefined): LedgerOutcome {
    const refused = this.#cardCheck(req, account);
    if (refused || !account) return this.#record(req, account, refused ?? ResponseCode.INVALID_CARD);
    if (account.singleLimit !== null && req.amount > account.singleLimit) {
      return this.#record(req, account, ResponseCode.EXCEEDS_LIMIT);
    }
    if (account.creditLimit - account.balance - account.held < req.amount) {
      return this.#record(req, account, ResponseCode.INSUFFICIENT_FUNDS);
    }
    if (req.kind === 'preauth') account.held += req.amount;
    else account.balance += req.amount;
    this.#changedAccounts.add(account.id);
    return this.#record(req, account, ResponseCode.APPROVED, {
      hold: req.kind === 'preauth' ? req.amount : 0,
    });
  }

  #credit(req: LedgerRequest, account: Account | undefined): LedgerOutcome {
    // A repayment is accepted whatever the card's status: the debt exists regardless.
    if (!account) return this.#record(req, account, ResponseCode.INVALID_CARD);
    if (req.currency !== account.currency) return this.#record(req, account, ResponseCode.INVALID_AMOUNT);
    account.balance -= req.amount;
    this.#changedAccounts.add(account.id);
    return this.#record(req, account, ResponseCode.APPROVED);
  }

  #originalOf(req: LedgerRequest): JournalRow | undefined {
    return req.original
      ? this.#rowsByTrace.get(originalKeyOf({ ...req, original: req.original }))
      : undefined;
  }

  #completion(req: LedgerRequest): LedgerOutcome {
    const pre = this.#originalOf(req);
    if (!pre || pre.kind !== 'preauth') return this.#record(req, undefined, ResponseCode.ORIGINAL_NOT_FOUND);
    const account = this.#accounts.get(pre.accountId!);
    if (pre.state !== 'approved' || !account)
      return this.#record(req, account, ResponseCode.INVALID_RELATED, { pre });
    if (req.currency !== pre.currency || req.amount > pre.hold) {
      return this.#record(req, account, ResponseCode.INVALID_AMOUNT, { pre });
    }
    account.held -= pre.hold;
    account.balance += req.amount;
    pre.hold = 0;
    pre.state = 'completed';
    this.#changedAccounts.add(account.id);
    this.#changedRows.add(pre.id);
    return this.#record(req, account, ResponseCode.APPROVED, { pre });
  }

  #refund(req: LedgerRequest): LedgerOutcome {
    const orig = this.#originalOf(req);
    if (!orig || (orig.kind !== 'purchase' && orig.kind !== 'completion')) {
      return this.#record(req, undefined, ResponseCode.ORIGINAL_NOT_FOUND);
    }
    const account = this.#accounts.get(orig.accountId!);
    if (orig.state !== 'approved' || !account)
      return this.#record(req, account, ResponseCode.INVALID_RELATED, { pre: orig });
    if (req.currency !== orig.currency || req.amount > orig.amount - orig.refunded) {
      return this.#record(req, account, ResponseCode.INVALID_AMOUNT, { pre: orig });
    }
    account.balance -= req.amount;
    orig.refunded += req.amount;
    this.#changedAccounts.add(account.id);
    this.#changedRows.add(orig.id);
    return this.#record(req, account, ResponseCode.APPROVED, { pre: orig });
  }

  /** Undoes the original exactly once; a repeated reversal gets the first one's answer and changes nothing. */
  #reversal(req: LedgerRequest, trace: string): LedgerOutcome {
    if (!req.original) return { responseCode: ResponseCode.FORMAT_ERROR };
    // A forced answer (91, 96 …) on a reversal changes nothing: the acquirer must send it again.
    if (req.forcedResponse !== undefined) return { responseCode: req.forcedResponse };
    const originalKey = originalKeyOf({ ...req, original: req.original });
    const prior = this.#reversalsByOriginal.get(originalKey);
    if (prior) return { responseCode: prior.responseCode };
    if (this.snapshot.existingTraces.has(trace) || this.#rowsByTrace.has(trace)) {
      return { responseCode: ResponseCode.DUPLICATE };
    }
    const orig = this.#rowsByTrace.get(originalKey);
    if (!orig) return this.#record(req, undefined, ResponseCode.ORIGINAL_NOT_FOUND);
    const account = orig.accountId === null ? undefined : this.#accounts.get(orig.accountId);
    if (orig.state === 'declined' || !account)
      return this.#record(req, account, ResponseCode.INVALID_RELATED, { pre: orig });
    if (req.amount !== orig.amount)
      return this.#record(req, account, ResponseCode.AMOUNT_MISMATCH, { pre: orig });
    const undone = this.#undo(orig, account);
    if (!undone) return this.#record(req, account, ResponseCode.INVALID_RELATED, { pre: orig });
    orig.state = 'reversed';
    this.#changedRows.add(orig.id);
    this.#changedAccounts.add(account.id);
    return this.#record(req, account, ResponseCode.APPROVED, {
      pre: orig,
      settlementDate: orig.settlementDate === null ? null : beijingDate(this.now),
    });
  }

  /** Applies the inverse of `orig`; false when it can no longer be undone (completed hold, refunded purchase). */
  #undo(orig: JournalRow, account: Account): boolean {
    switch (orig.kind) {
      case 'preauth':
        if (orig.state !== 'approved') return false;
        account.held -= orig.hold;
        orig.hold = 0;
        return true;
      case 'purchase':
        if (orig.state !== 'approved' || orig.refunded > 0) return false;
        account.balance -= orig.amount;
        return true;
      case 'credit':
        if (orig.state !== 'approved') return false;
        account.balance += orig.amount;
        return true;
      case 'completion': {
        if (orig.state !== 'approved' || orig.refunded > 0) return false;
        account.balance -= orig.amount;
        // The hold comes back, so the acquirer can complete again after reversing a completion it lost.
        const pre = orig.originalId === null ? undefined : this.#rowsById.get(orig.originalId);
        if (pre && pre.state === 'completed') {
          pre.state = 'approved';
          pre.hold = pre.amount;
          account.held += pre.amount;
          this.#changedRows.add(pre.id);
        }
        return true;
      }
      case 'refund': {
        if (orig.state !== 'approved') return false;
        account.balance += orig.amount;
        const purchase = orig.originalId === null ? undefined : this.#rowsById.get(orig.originalId);
        if (purchase) {
          purchase.refunded -= orig.amount;
          this.#changedRows.add(purchase.id);
        }
        return true;
      }
      default:
        return false;
    }
  }

  #record(
    req: LedgerRequest,
    account: Account | undefined,
    responseCode: string,
    extra: { hold?: number; pre?: JournalRow; settlementDate?: string | null } = {},
  ): LedgerOutcome {
    const approved = responseCode === ResponseCode.APPROVED;
    const settles = approved && req.kind !== 'preauth' && req.kind !== 'reversal';
    const settlementDate =
      extra.settlementDate !== undefined ? extra.settlementDate : settles ? beijingDate(this.now) : null;
    const authCode =
      approved && req.kind !== 'reversal' ? String(randomInt(0, 1_000_000)).padStart(6, '0') : null;
    const row: JournalRow = {
      id: this.allocateId(),
      acquirerId: req.acquirerId,
      terminalId: req.terminalId,
      merchantId: req.merchantId,
      mti: req.mti,
      processingCode: req.processingCode,
      kind: req.kind,
      stan: req.stan,
      transmitted: req.transmitted,
      rrn: req.rrn,
      accountId: account?.id ?? null,
      maskedPan: account?.maskedPan ?? null,
      amount: req.amount,
      currency: req.currency,
      responseCode,
      authCode,
      state: approved ? 'approved' : 'declined',
      originalId: extra.pre?.id ?? null,
      original: req.original ?? null,
      hold: extra.hold ?? 0,
      refunded: 0,
      reasonCode: req.reasonCode ?? null,
      settlementDate,
    };
    this.#newRows.push(row);
    this.#newIds.add(row.id);
    this.#index(row);
    return {
      responseCode,
      authCode: authCode ?? undefined,
      settlementDate: approved && settlementDate ? settlementDate : undefined,
    };
  }

  #index(r: JournalRow): void {
    this.#rowsById.set(r.id, r);
    this.#rowsByTrace.set(traceKeyOf(r), r);
    if (r.kind === 'reversal' && r.original) {
      this.#reversalsByOriginal.set(
        originalKeyOf({ acquirerId: r.acquirerId, terminalId: r.terminalId, original: r.original }),
        r,
      );
    }
  }
}
