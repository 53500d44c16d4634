import { type SettlementLine } from '../../ports/channel.port';
import { CounterpartyUnavailableError } from '../../ports/port-errors';
import { parseSettlementRecords } from './settlement-file.parser';
import { type UnionPayRequestLogReader } from '@wxpay/unionpay';
import { type ChannelRefundLinkRepository } from '../../persistence/channel-refund-link.repository';
import { paymentIdOfCardRef } from './unionpay-channel.adapter';
import { type SettlementSource } from './settlement-source';

const CURRENCIES: Record<string, string> = {
  '156': 'CNY',
  '344': 'HKD',
  '840': 'USD',
  '978': 'EUR',
  '392': 'JPY',
};

/**
 * The settlement file fetched from the channel's admin endpoint (POST /admin/settlement/<date>/file on the
 * simulator), each line tied back to our payment or refund through the request log. Lines we cannot tie keep
 * their trace as the reference (reconciliation reports them as missing in the ledger).
 */
export class HttpSettlementSource implements SettlementSource {
  constructor(
    private readonly endpoint: { url: string; token?: string },
    private readonly log: UnionPayRequestLogReader,
    private readonly links: ChannelRefundLinkRepository,
  ) {}

  async lines(businessDate: string): Promise<SettlementLine[]> {
    let content: string;
    try {
      const res = await fetch(`${this.endpoint.url}/admin/settlement/${businessDate}/file`, {
        method: 'POST',
        headers: this.endpoint.token ? { authorization: `Bearer ${this.endpoint.token}` } : {},
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      content = await res.text();
    } catch (e) {
      throw new CounterpartyUnavailableError(
        'unionpay',
        `settlement file not available (${(e as Error).message})`,
      );
    }
    const records = parseSettlementRecords(content).filter((r) => r.code === 'PAC' || r.code === 'RFD');
    const resolved = await this.resolveTraces(records);
    return records.map((r) => {
      const ours = resolved.get(traceKey(r.terminalId, r.stan, r.rrn));
      const capture = r.code === 'PAC';
      const trace = `rrn:${r.rrn}`;
      return {
        kind: capture ? 'CAPTURE' : 'REFUND',
        authId: ours?.paymentId ?? trace,
        reference: (capture ? ours?.paymentId : ours?.refundId) ?? trace,
        amountMinor: r.amountMinor,
        currency: CURRENCIES[r.currencyNumeric] ?? r.currencyNumeric,
        settledAt: businessDate,
      };
    });
  }

  /** Requests by their trace: a completion → its payment id, a refund → our refund id. */
  private async resolveTraces(
    traces: { terminalId: string; stan: string; rrn: string }[],
  ): Promise<Map<string, { paymentId: string | null; refundId: string | null }>> {
    const requests = await this.log.byTraces(traces);
    const refunds = await this.links.refundsOf(requests.map((r) => r.reference.requestId));
    return new Map(
      requests.map((r) => [
        traceKey(r.reference.terminalId, r.reference.stan, r.reference.rrn),
        {
          paymentId: paymentIdOfCardRef(r.chainCardRef),
          refundId: refunds.get(r.reference.requestId) ?? null,
        },
      ]),
    );
  }
}

function traceKey(terminalId: string, stan: string, rrn: string): string {
  return `${terminalId.trim()}|${stan.trim()}|${rrn.trim()}`;
}
