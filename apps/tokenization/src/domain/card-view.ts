import { maskedPan } from '@wxpay/card';
import { TokenStatus, type CardView } from '@wxpay/contracts';
import { type CardRow } from '../persistence/card.repository';

/**
 * The proto CardView: what any caller may see of a card. Never the number, and no longer the expiry: both are
 * sealed together (envelope 2), and only Detokenize opens them. The two expiry fields stay empty.
 */
export function toCardView(row: CardRow): CardView {
  return {
    token: row.token,
    cardholder_ref: row.cardholder_ref,
    bin: row.bin,
    last4: row.last4,
    masked_pan: maskedPan(row.bin, row.last4, row.pan_length),
    expiry_month: '',
    expiry_year: '',
    brand: row.brand,
    issuer: row.issuer,
    status: TokenStatus[row.status],
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
