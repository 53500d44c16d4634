import { Inject, Injectable } from '@nestjs/common';
import { type Logger } from '@wxpay/observability';
import { DATA_SOURCE, LOGGER } from '@wxpay/runtime';
import { type DataSource, type EntityManager } from 'typeorm';
import { type ReconciliationBreak, type ReconciliationReport } from '../domain/reconciliation';
import { PaymentMetrics } from '../payment-metrics';
import { PaymentRepository } from '../persistence/payment.repository';
import { type LedgerItem, ReconciliationRepository } from '../persistence/reconciliation.repository';
import { CHANNEL_PORT, type ChannelPort, type SettlementLine } from '../ports/channel.port';
import { TRADE_BILL_SOURCE } from '../ports/payment-ports';
import { type TradeBillLine, type TradeBillSource } from '../ports/trade-bill.port';

const PAID_STATES = ['SUCCESS', 'REFUND'];

/**
 * Reconciles one business day: the ledger's captures and settled refunds against the UnionPay settlement file
 * (amounts through `unionpay:settlement`) and the WeChat Pay trade bill (amounts through `wechatpay:clearing`).
 * Each difference is a break with its cause: missing on one side, amount differs, status differs.
 */
@Injectable()
export class ReconciliationService {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    private readonly payments: PaymentRepository,
    private readonly runs: ReconciliationRepository,
    @Inject(CHANNEL_PORT) private readonly channel: ChannelPort,
    @Inject(TRADE_BILL_SOURCE) private readonly tradeBill: TradeBillSource,
    private readonly metrics: PaymentMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * `commit`, when given, runs in the transaction that stores the report, before it (the scheduler records its
   * run of the date done there); if it throws, nothing of the report is stored and run rejects.
   */
  async run(
    businessDate: string,
    commit?: (m: EntityManager, runId: string) => Promise<void>,
  ): Promise<ReconciliationReport> {
    const runId = await this.runs.startRun(businessDate);
    const ledger = await this.runs.ledgerItems(businessDate);
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
    await this.runs.store(report, commit);
    for (const b of breaks) this.metrics.reconciliationBreaks.inc({ kind: b.kind, source: b.source });
    this.logger.info(
      { businessDate, ledgerItems: ledger.length, matched, breaks: breaks.length },
      'reconciliation finished',
    );
    return report;
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
    const booked = await this.runs.bookedReferences(bill);
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
