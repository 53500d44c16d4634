import { randomUUID } from 'crypto';
import { callerScope, GrpcStatus, RpcError, type CallContext, type UnaryHandler } from '@wxpay/grpc';
import { type DataSource } from 'typeorm';
import { type PaymentStatus, TRANSITIONS } from '../domain/payment-status';
import { IdempotencyConflictError, IdempotencyInProgressError } from '../idempotency/idempotency-errors';
import { type LedgerService } from '../persistence/ledger.repository';
import { Reasons } from '../errors';
import { paymentMessage } from './payment-views';
import { type PaymentsService } from '../use-cases/create-payment.service';
import { type PaymentRepository } from '../persistence/payment.repository';
import { type RefundRepository } from '../persistence/refund.repository';
import { previousBusinessDate } from '../jobs/reconciliation-scheduler';
import { type ReconciliationReport } from '../domain/reconciliation';
import { type ReconciliationService } from '../use-cases/reconciliation.service';
import * as v from './request-rules';

export const PAYMENTS_SERVICE = 'gateway.payment.v1.Payments';

type Req = Record<string, unknown>;
const obj = (value: unknown): Req => (value && typeof value === 'object' ? (value as Req) : {});

export interface PaymentsGrpcDeps {
  service: PaymentsService;
  reconciliation: ReconciliationService;
  ledger: LedgerService;
  payments: PaymentRepository;
  refunds: RefundRepository;
  ds: DataSource;
}

function traceIdOf(ctx: CallContext): string {
  const t = ctx.metadata.get('x-trace-id')[0];
  return typeof t === 'string' && /^[\x21-\x7e]{1,128}$/.test(t) ? t : randomUUID();
}

/** Idempotency outcomes become their documented statuses; everything else passes through. */
function mapped<Res>(handler: (req: Req, ctx: CallContext) => Promise<Res>): UnaryHandler<Req, Res> {
  return async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (e) {
      if (e instanceof IdempotencyConflictError) {
        throw new RpcError(
          GrpcStatus.ALREADY_EXISTS,
          e.message,
          'idempotency_key',
          Reasons.idempotencyConflict,
        );
      }
      if (e instanceof IdempotencyInProgressError) {
        throw new RpcError(GrpcStatus.ABORTED, e.message, 'idempotency_key', Reasons.inProgress);
      }
      throw e;
    }
  };
}

const PAGE_LIMIT_DEFAULT = 50;

function encodePage(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify({ c: createdAt.toISOString(), i: id })).toString('base64url');
}

function decodePage(token: string): { createdAt: Date; id: string } | undefined {
  if (!token) return undefined;
  try {
    const { c, i } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { c: string; i: string };
    const createdAt = new Date(c);
    if (Number.isNaN(createdAt.getTime())) throw new Error('bad date');
    return { createdAt, id: v.uuid(i, 'page_token') };
  } catch {
    throw RpcError.invalidArgument('page_token', 'is not a token this service issued');
  }
}

function reportMessage(r: ReconciliationReport): Record<string, unknown> {
  return {
    run_id: r.runId,
    business_date: r.businessDate,
    ledger_items: r.ledgerItems,
    unionpay_items: r.unionpayItems,
    wechatpay_items: r.wechatpayItems,
    matched: r.matched,
    breaks: r.breaks.map((b) => ({
      kind: b.kind,
      source: b.source,
      reference: b.reference,
      detail: b.detail,
      ledger_minor: String(b.ledgerMinor ?? 0),
      counterparty_minor: String(b.counterpartyMinor ?? 0),
    })),
    finished_at: r.finishedAt.toISOString(),
  };
}

/** The gateway.payment.v1.Payments handlers: validate, call the use case, shape the answer. */
export function paymentsHandlers(d: PaymentsGrpcDeps): Record<string, UnaryHandler> {
  const handlers: Record<string, UnaryHandler<Req, unknown>> = {
    CreatePayment: mapped(async (req, ctx) => {
      const amount = obj(req.amount);
      const payer = obj(req.payer);
      const tradeType = v.oneOf(req.trade_type, 'trade_type', v.TRADE_TYPES);
      const payerOpenid = v.optionalText(payer.openid, 'payer.openid', 128);
      if (tradeType === 'JSAPI' && !payerOpenid)
        throw RpcError.invalidArgument('payer.openid', 'is required for JSAPI');
      return d.service.create({
        caller: callerScope(ctx.peer),
        idempotencyKey: v.idempotencyKey(req.idempotency_key),
        cardToken: v.cardToken(req.card_token),
        amountMinor: v.positiveMinor(amount.amount_minor, 'amount.amount_minor'),
        currency: v.currency(amount.currency, 'amount.currency'),
        merchantId: v.text(req.merchant_id, 'merchant_id', { min: 1, max: 64, pattern: /^[0-9A-Za-z_-]+$/ }),
        mcc: v.text(req.mcc, 'mcc', { min: 4, max: 4, pattern: /^\d{4}$/ }),
        scene: v.oneOf(req.scene, 'scene', v.SCENES),
        tradeType,
        payerOpenid,
        payerIp: v.ip(payer.ip, 'payer.ip'),
        deviceId: v.optionalText(obj(req.device).device_id, 'device.device_id', 128),
        description: v.text(req.description, 'description', { min: 1, max: 127 }),
        traceId: traceIdOf(ctx),
      });
    }),

    GetPayment: mapped(async (req) => {
      if (req.payment_id) return d.service.get({ paymentId: v.uuid(req.payment_id, 'payment_id') });
      if (req.out_trade_no) {
        return d.service.get({ outTradeNo: v.text(req.out_trade_no, 'out_trade_no', { min: 6, max: 32 }) });
      }
      throw RpcError.invalidArgument('payment_id', 'payment_id or out_trade_no is required');
    }),

    ListPayments: mapped(async (req) => {
      const limit = req.limit ? Number(req.limit) : PAGE_LIMIT_DEFAULT;
      if (!Number.isInteger(limit) || limit < 1 || limit > 200)
        throw RpcError.invalidArgument('limit', 'must be 1–200');
      const status =
        req.status && req.status !== 'PAYMENT_STATUS_UNSPECIFIED'
          ? v.oneOf(req.status, 'status', Object.keys(TRANSITIONS) as PaymentStatus[])
          : undefined;
      const page = await d.payments.list(d.ds, {
        merchantId: v.optionalText(req.merchant_id, 'merchant_id', 64) ?? undefined,
        cardToken: req.card_token ? v.cardToken(req.card_token) : undefined,
        status,
        before: decodePage(typeof req.page_token === 'string' ? req.page_token : ''),
        limit: limit + 1,
      });
      const shown = page.slice(0, limit);
      const refunds = await d.refunds.ofPayments(
        d.ds,
        shown.map((p) => p.id),
      );
      const last = shown[shown.length - 1];
      return {
        payments: shown.map((p) => paymentMessage(p, refunds.get(p.id) ?? [])),
        next_page_token: page.length > limit && last ? encodePage(last.createdAt, last.id) : '',
      };
    }),

    RefundPayment: mapped(async (req, ctx) => {
      const amount = obj(req.amount);
      return d.service.refund({
        caller: callerScope(ctx.peer),
        idempotencyKey: v.idempotencyKey(req.idempotency_key),
        paymentId: v.uuid(req.payment_id, 'payment_id'),
        amountMinor: v.positiveMinor(amount.amount_minor, 'amount.amount_minor'),
        currency: v.currency(amount.currency, 'amount.currency'),
        reason: v.optionalText(req.reason, 'reason', 80),
      });
    }),

    CancelPayment: mapped(async (req, ctx) =>
      d.service.cancel({
        caller: callerScope(ctx.peer),
        idempotencyKey: v.idempotencyKey(req.idempotency_key),
        paymentId: v.uuid(req.payment_id, 'payment_id'),
        reason: v.optionalText(req.reason, 'reason', 256),
      }),
    ),

    RunReconciliation: mapped(async (req) => {
      const date = v.businessDate(req.business_date, 'business_date') ?? previousBusinessDate(new Date());
      return reportMessage(await d.reconciliation.run(date));
    }),

    CheckLedger: mapped(async () => {
      const [counts, unbalanced] = await Promise.all([d.ledger.counts(d.ds), d.ledger.unbalanced(d.ds)]);
      return {
        transactions: String(counts.transactions),
        entries: String(counts.entries),
        unbalanced: unbalanced.map((u) => ({
          transaction_id: u.transactionId,
          currency: u.currency ?? '',
          imbalance_minor: String(u.imbalanceMinor),
        })),
      };
    }),
  };
  return handlers as Record<string, UnaryHandler>;
}
