import { type BinRangeSpec } from './bin-table';

/**
 * A SAMPLE BIN table, enough for development and tests: the brands' public prefix ranges and PAN lengths, plus a
 * few well-known issuer BINs. It is not an issuer database; production replaces it with the bank's licensed BIN
 * file through TOKENIZATION_BIN_TABLE_FILE, a JSON array of these entries:
 *   { "brand": "UNIONPAY", "from": "62", "to": "62", "lengths": [16, 17, 18, 19], "issuer": "" }
 * `from`/`to` are equal-length prefixes (inclusive); the longest matching prefix wins, so issuer entries refine
 * brand entries. Discover's 622126-622925 co-branded range is deliberately left to UnionPay here.
 */
export const SAMPLE_BIN_TABLE: readonly BinRangeSpec[] = [
  { brand: 'UNIONPAY', from: '62', to: '62', lengths: [16, 17, 18, 19] },
  { brand: 'UNIONPAY', from: '622202', to: '622202', lengths: [16, 19], issuer: 'ICBC' },
  { brand: 'UNIONPAY', from: '622848', to: '622848', lengths: [19], issuer: 'Agricultural Bank of China' },
  { brand: 'UNIONPAY', from: '622588', to: '622588', lengths: [16], issuer: 'China Merchants Bank' },
  { brand: 'VISA', from: '4', to: '4', lengths: [13, 16, 19] },
  { brand: 'MASTERCARD', from: '51', to: '55', lengths: [16] },
  { brand: 'MASTERCARD', from: '2221', to: '2720', lengths: [16] },
  { brand: 'AMEX', from: '34', to: '34', lengths: [15] },
  { brand: 'AMEX', from: '37', to: '37', lengths: [15] },
  { brand: 'JCB', from: '3528', to: '3589', lengths: [16, 17, 18, 19] },
  { brand: 'DINERS', from: '36', to: '36', lengths: [14, 15, 16, 17, 18, 19] },
];
