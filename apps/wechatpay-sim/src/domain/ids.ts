import { randomBytes } from 'node:crypto';

/**
 * n random decimal digits, drawn from randomBytes (almost always one call; a randomInt call per digit made
 * seeding 100k contracts spend most of its time here). Bytes ≥ 250 are skipped so every digit is equally likely.
 */
function digits(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const byte of randomBytes(n + 8)) {
      if (byte < 250) out += String(byte % 10);
      if (out.length === n) break;
    }
  }
  return out;
}

function stamp(): string {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** 28 digits starting 4200, like WeChat transaction ids. */
export const newTransactionId = (): string => `4200${digits(24)}`;
export const newRefundId = (): string => `5030${digits(25)}`;
export const newContractId = (): string => `2024${digits(20)}`;
export const newPrepayId = (): string => `wx${stamp()}${randomBytes(10).toString('hex')}`;
export const newCodeUrl = (): string => `weixin://wxpay/bizpayurl?pr=${randomBytes(5).toString('base64url')}`;
export const newPreEntrustwebId = (): string => randomBytes(16).toString('hex');
