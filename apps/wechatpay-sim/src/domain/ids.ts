import { randomBytes, randomInt } from 'node:crypto';

function digits(n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(randomInt(10));
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
