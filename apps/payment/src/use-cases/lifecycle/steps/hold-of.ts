import { type Payment } from '../../../domain/payment';
import { type HoldRef } from '../../../ports/channel.port';

export function holdOf(p: Payment): HoldRef {
  return {
    authId: p.id,
    channelRef: p.channelRef,
    authCode: p.authCode,
    amountMinor: p.amountMinor,
    currency: p.currency,
  };
}
