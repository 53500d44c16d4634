import { randomUUID } from 'crypto';
import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { type PaymentMetrics } from '../payment-metrics';
import { type PaymentRepository } from '../persistence/payment.repository';
import { type Row, toSafeInteger } from '../persistence/sql-values';
import { type ChannelPort, type SettlementLine } from '../ports/channel.port';
import {
  type ReconciliationBreak,
  type ReconciliationReport,
  type TradeBillLine,
  type TradeBillSource,
} from '../domain/reconciliation';

interface LedgerItem {
  kind: 'CAPTURE' | 'REFUND_SETTLE';
  /** Payment id for captures, refund id for refunds. */
  reference: string;
  paymentId: string;
  outTradeNo: string;
  outRefundNo: string | null;
  amountMinor: number;
}

const PAID_STATES = ['SUCCESS', 'REFUND'];

/**
 * Reconciles one business day: the ledger's captures and settled refunds against the UnionPay settlement file
 * (amounts through `unionpay:settlement`) and the WeChat Pay trade bill (amounts through `wechatpay:clearing`).
 * Each difference is a break with its cause: missing on one side, amount differs, status differs.
 */
export class ReconciliationService {
  constructor(
    private readonly ds: DataSource,
    private readonly payments: PaymentRepository,
    private readonly channel: ChannelPort,
    private readonly tradeBill: TradeBillSource,
    private readonly metrics: PaymentMetrics,
    private readonly logger: Logger,
  ) {}

  async run(businessDate: string): Promise<ReconciliationReport> {
    const runId = randomUUID();
    await this.ds.query(`INSERT INTO recon_run (id, business_date) VALUES ($1, $2)`, [runId, businessDate]);
    const ledger = await this.ledgerItems(businessDate);
    const settlement = await this.channel.settlementFile(businessDate);
    const created = await this.payments.createdOn(this.ds, businessDate);
    const orders = [...new Set([...created.map((p) => p.outTradeNo), ...ledger.map((l) => l.outTradeNo)])];
    const refunds = ledger
      .filter((l) => l.outRefundNo)
      .map((l) => ({ outTradeNo: l.outTradeNo, outRefundNo: l.outRefundNo! }));
    const bill = await this.tradeBill.lines(businessDate, { orders, refunds });

    const breaks = [
      ...this.againstUnionPay(ledger, settlement),
      ...(await this.againstWechatPay(ledger, bill)),
    ];
    const broken = new Set(breaks.map((b) => b.reference));
    const matched = ledger.filter(
      (l) => !broken.has(l.reference) && !broken.has(l.outRefundNo ?? l.outTradeNo),
    ).length;
    const report: ReconciliationReport = {
      runId,
      businessDate,
      ledgerItems: ledger.length,
      unionpayItems: settlement.length,
      wechatpayItems: bill.length,
      matched,
      breaks,
      finishedAt: new Date(),
    };
    await this.store(report);
    for (const b of breaks) this.metrics.reconciliationBreaks.inc({ kind: b.kind, source: b.source });
    this.logger.info(
      { businessDate, ledgerItems: ledger.length, matched, breaks: breaks.length },
      'reconciliation finished',
    );
    return report;
  }

  private async ledgerItems(businessDate: string): Promise<LedgerItem[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT t.kind, t.reference, t.payment_id, p.out_trade_no, r.out_refund_no,
              sum(e.amount_minor) FILTER (WHERE e.account = 'unionpay:settlement') AS unionpay_minor
         FROM ledger_transaction t
         JOIN ledger_entry e ON e.transaction_id = t.id
         JOIN payment p ON p.id = t.payment_id
         LEFT JOIN refund r ON t.kind = 'REFUND_SETTLE' AND r.id::text = t.reference
        WHERE t.business_date = $1 AND t.kind IN ('CAPTURE', 'REFUND_SETTLE')
        GROUP BY t.id, t.kind, t.reference, t.payment_id, p.out_trade_no, r.out_refund_no`,
      [businessDate],
    );
    return rows.map((r) => ({
      kind: String(r.kind) as LedgerItem['kind'],
      reference: String(r.reference),
      paymentId: String(r.payment_id),
      outTradeNo: String(r.out_trade_no),
      outRefundNo: r.out_refund_no === null ? null : String(r.out_refund_no),
      // A capture credits the settlement account, a refund debits it.
      amountMinor: Math.abs(toSafeInteger(r.unionpay_minor, 'unionpay_minor')),
    }));
  }

  private againstUnionPay(ledger: LedgerItem[], lines: SettlementLine[]): ReconciliationBreak[] {
    const breaks: ReconciliationBreak[] = [];
    const key = (kind: string, reference: string) => `${kind}:${reference}`;
    const file = new Map(
      lines.map((l) => [key(l.kind === 'CAPTURE' ? 'CAPTURE' : 'REFUND_SETTLE', l.reference), l]),
    );
    for (const item of ledger) {
      const k = key(item.kind, item.reference);
      const line = file.get(k);
      file.delete(k);
      const what = item.kind === 'CAPTURE' ? 'capture' : 'refund';
      if (!line) {
        breaks.push(
          brk(
            'MISSING_AT_UNIONPAY',
            'UNIONPAY',
            item.reference,
            `${what} booked in the ledger is not in the settlement file`,
            item.amountMinor,
            null,
          ),
        );
      } else if (line.amountMinor !== item.amountMinor) {
        breaks.push(
          brk(
            'AMOUNT_DIFFERS',
            'UNIONPAY',
            item.reference,
            `${what}: ledger ${item.amountMinor}, settlement ${line.amountMinor}`,
            item.amountMinor,
            line.amountMinor,
          ),
        );
      }
    }
    for (const line of file.values()) {
      breaks.push(
        brk(
          'MISSING_IN_LEDGER',
          'UNIONPAY',
          line.reference,
          `settled ${line.kind.toLowerCase()} has no ledger posting`,
          null,
          line.amountMinor,
        ),
      );
    }
    return breaks;
  }

  private async againstWechatPay(
    ledger: LedgerItem[],
    bill: TradeBillLine[],
  ): Promise<ReconciliationBreak[]> {
    const breaks: ReconciliationBreak[] = [];
    const payments = new Map(bill.filter((b) => b.kind === 'PAYMENT').map((b) => [b.outTradeNo, b]));
    const refunds = new Map(bill.filter((b) => b.kind === 'REFUND').map((b) => [b.reference, b]));
    for (const item of ledger) {
      const line =
        item.kind === 'CAPTURE' ? payments.get(item.outTradeNo) : refunds.get(item.outRefundNo ?? '');
      const ref = item.kind === 'CAPTURE' ? item.outTradeNo : item.outRefundNo!;
      const okStates = item.kind === 'CAPTURE' ? PAID_STATES : ['SUCCESS'];
      if (!line) {
        breaks.push(
          brk(
            'MISSING_AT_WECHATPAY',
            'WECHATPAY',
            ref,
            `booked in the ledger, unknown to WeChat Pay`,
            item.amountMinor,
            null,
          ),
        );
      } else if (!okStates.includes(line.state)) {
        breaks.push(
          brk(
            'STATUS_DIFFERS',
            'WECHATPAY',
            ref,
            `booked in the ledger, WeChat Pay says ${line.state}`,
            item.amountMinor,
            line.amountMinor,
          ),
        );
      } else if (line.amountMinor !== item.amountMinor) {
        breaks.push(
          brk(
            'AMOUNT_DIFFERS',
            'WECHATPAY',
            ref,
            `ledger ${item.amountMinor}, WeChat Pay ${line.amountMinor ?? 'none'}`,
            item.amountMinor,
            line.amountMinor,
          ),
        );
      }
    }
    // Paid (or refunded) at WeChat Pay without any posting in the ledger, whatever day it was booked.
    const booked = await this.bookedReferences(bill);
    for (const line of bill) {
      const done = line.kind === 'PAYMENT' ? PAID_STATES.includes(line.state) : line.state === 'SUCCESS';
      if (done && !booked.has(line.reference)) {
        breaks.push(
          brk(
            'MISSING_IN_LEDGER',
            'WECHATPAY',
            line.reference,
            `WeChat Pay says ${line.state}, the ledger has no posting`,
            null,
            line.amountMinor,
          ),
        );
      }
    }
    return breaks;
  }

  /** out_trade_no of payments with a capture and out_refund_no of refunds with a settlement, on any day. */
  private async bookedReferences(bill: TradeBillLine[]): Promise<Set<string>> {
    const rows: Row[] = await this.ds.query(
      `SELECT p.out_trade_no AS ref FROM ledger_transaction t JOIN payment p ON p.id = t.payment_id
        WHERE t.kind = 'CAPTURE' AND p.out_trade_no = ANY($1::text[])
       UNION
       SELECT r.out_refund_no FROM ledger_transaction t JOIN refund r ON r.id::text = t.reference
        WHERE t.kind = 'REFUND_SETTLE' AND r.out_refund_no = ANY($2::text[])`,
      [
        bill.filter((b) => b.kind === 'PAYMENT').map((b) => b.reference),
        bill.filter((b) => b.kind === 'REFUND').map((b) => b.reference),
      ],
    );
    return new Set(rows.map((r) => String(r.ref)));
  }

  private async store(r: ReconciliationReport): Promise<void> {
    await this.ds.transaction(async (m) => {
      await m.query(
        `UPDATE recon_run SET finished_at = $2, ledger_items = $3, unionpay_items = $4, wechatpay_items = $5,
                matched = $6 WHERE id = $1`,
        [r.runId, r.finishedAt, r.ledgerItems, r.unionpayItems, r.wechatpayItems, r.matched],
      );
      for (const b of r.breaks) {
        await m.query(
          `INSERT INTO recon_break (run_id, kind, source, reference, detail, ledger_minor, counterparty_minor)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [r.runId, b.kind, b.source, b.reference, b.detail, b.ledgerMinor, b.counterpartyMinor],
        );
      }
    });
  }
}

function brk(
  kind: ReconciliationBreak['kind'],
  source: ReconciliationBreak['source'],
  reference: string,
  detail: string,
  ledgerMinor: number | null,
  counterpartyMinor: number | null,
): ReconciliationBreak {
  return { kind, source, reference, detail, ledgerMinor, counterpartyMinor };
}
