import { toYymm } from '@wxpay/card';
import { type DetokenizeResponse, type TokenVaultService } from '@wxpay/contracts';
import { GrpcStatus, isServiceError, type ServiceClient } from '@wxpay/grpc';
import { type Money } from '@wxpay/persistence';
import { ChannelUnavailableError, type UnionPayClient } from '@wxpay/unionpay';
import { type CardAccountPort, type PostingOutcome } from '../ports/card-account.port';

const TRANSIENT = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.INTERNAL,
]);

/**
 * Credits the card account over the UnionPay channel (0200, processing code 210000). The card number comes from
 * the vault (the typed TokenVault client over mutual TLS: the server must be `spiffe://wxpay/tokenization`, whose
 * caller table lets `repayment` detokenize) for this one request and is never kept:
 * the channel encrypts it into F62 at once and logs the token as the card reference.
 */
export class UnionPayCardAccountAdapter implements CardAccountPort {
  constructor(
    private readonly vault: ServiceClient<typeof TokenVaultService>,
    private readonly channel: UnionPayClient,
    private readonly vaultDeadlineMs: number,
  ) {}

  async credit(cardToken: string, amount: Money): Promise<PostingOutcome> {
    let card: DetokenizeResponse;
    try {
      card = await this.vault.detokenize(
        { token: cardToken, purpose: 'repayment-posting' },
        { deadlineMs: this.vaultDeadlineMs },
      );
    } catch (e) {
      const code = isServiceError(e) ? e.code : GrpcStatus.UNKNOWN;
      if (TRANSIENT.has(code)) return { outcome: 'retry', reason: 'VAULT_UNAVAILABLE' };
      return {
        outcome: 'refused',
        responseCode: `VAULT_${GrpcStatus[code] ?? code}`,
        reason: 'card unavailable',
      };
    }
    try {
      const result = await this.channel.repaymentCredit({
        pan: card.pan,
        expiry: toYymm(card.expiry_month, card.expiry_year),
        amount,
        cardRef: cardToken,
      });
      if (result.outcome === 'approved') {
        return {
          outcome: 'posted',
          rrn: result.rrn,
          requestId: result.reference.requestId,
          responseCode: result.responseCode,
        };
      }
      if (result.outcome === 'timed-out') return { outcome: 'retry', reason: 'CHANNEL_TIMEOUT_REVERSED' };
      return result.retryable
        ? { outcome: 'retry', reason: `DECLINED_${result.responseCode}` }
        : { outcome: 'refused', responseCode: result.responseCode, reason: result.meaning };
    } catch (e) {
      if (e instanceof ChannelUnavailableError) return { outcome: 'retry', reason: 'CHANNEL_UNAVAILABLE' };
      throw e;
    }
  }
}
