import { randomUUID } from 'crypto';
import { join } from 'path';
import {
  type AutoRepaymentService,
  type Money,
  type PaymentsService,
  TokenizeRequest,
  type TokenVaultService,
} from '@wxpay/contracts';
import { type GrpcTlsConfig, type ServiceClient } from '@wxpay/grpc';
import { digitFreeKey, ensureDevPki, readTlsMaterial, uniqueTestPan, workspaceRoot } from '@wxpay/testing';

/** Where the demo finds the cluster; the defaults are the launch.json ones `npm start` uses. */
export const ADDRESSES = {
  payments: process.env.DEMO_PAYMENTS_ADDRESS ?? '127.0.0.1:50051',
  vault: process.env.DEMO_VAULT_ADDRESS ?? '127.0.0.1:50052',
  repayment: process.env.DEMO_REPAYMENT_ADDRESS ?? '127.0.0.1:50054',
  repaymentHttp: process.env.DEMO_REPAYMENT_URL ?? 'http://127.0.0.1:8084',
  paymentHttp: process.env.DEMO_PAYMENT_URL ?? 'http://127.0.0.1:8080',
  wechatpaySim: process.env.DEMO_WECHATPAY_SIM_URL ?? 'http://127.0.0.1:8090',
  unionpaySim: process.env.DEMO_UNIONPAY_SIM_URL ?? 'http://127.0.0.1:8091',
};

/** The services as the demo calls them: typed clients that check each server's identity. */
export type Vault = ServiceClient<typeof TokenVaultService>;
export type Payments = ServiceClient<typeof PaymentsService>;
export type AutoRepayment = ServiceClient<typeof AutoRepaymentService>;

/** Minor units to "1234.56 CNY" with integer arithmetic only (money never goes through a float). */
export function yuanOf(minor: number | string | bigint, currency = 'CNY'): string {
  const n = BigInt(minor);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')} ${currency}`;
}

/** A message's Money field; `none` where the service left it unset. */
export const yuan = (m: Money | undefined) => (m ? yuanOf(m.amount_minor, m.currency) : 'none');

export function step(title: string): void {
  console.log(`\n\x1b[1m▶ ${title}\x1b[0m`);
}

export function show(label: string, value: unknown): void {
  console.log(`  ${label.padEnd(18)} ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

/** An instant as Beijing wall-clock time, the way the schedule is planned. */
export function beijing(instant: string | Date): string {
  const t = new Date(instant).getTime() + 8 * 3600_000;
  return `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} Beijing`;
}

/** An idempotency key without digit runs (the services refuse keys that could hide a card number). */
export const demoKey = (): string => `demo-${digitFreeKey()}`;

/** A Luhn-valid card number in the 62 (UnionPay) range, new for each run. */
const demoPan = (): string => uniqueTestPan('622202');

export { maskPan as masked } from '@wxpay/card';

export async function http<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/**
 * The demo calls as the bank's callers would: mutual TLS with the certificate of the identity the method admits
 * (`channel`, the bank's channel backend, for payments and plans; `console`, the operations console, for the ledger
 * and the reconciliation; `card-system`, the issuer's card system, for the statements it sends AutoRepayment) from
 * the services CA, the one `npm start` issues (.data/pki) or, with DEMO_PKI_DIR, another cluster's (the compose
 * smoke copies the stack's dev PKI out); issued there too if missing.
 */
export async function demoTls(
  identity: 'channel' | 'console' | 'card-system' = 'channel',
): Promise<GrpcTlsConfig> {
  const dir = process.env.DEMO_PKI_DIR ?? join(workspaceRoot(), '.data/pki');
  const pki = await ensureDevPki({ dir, services: [identity] });
  return { enabled: true, ...(await readTlsMaterial(pki.ca, pki.services[identity]!)) };
}

/** Today's business date (Asia/Shanghai, UTC+8 all year). */
export const businessToday = (): string => new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

/** The issuer's view of a card account (UnionPay simulator): what is owed and what is left to spend. */
export interface CardAccount {
  id: number;
  balance: { minor: number; currency: string };
  available: { minor: number; currency: string };
}

export interface DemoCard {
  token: string;
  pan: string;
  accountId: number;
}

/**
 * Opens a new card account at the issuer (the UnionPay simulator), owing `balanceMinor` already, and tokenizes
 * the card in the vault.
 */
export async function newCard(vault: Vault, limitMinor: number, balanceMinor = 0): Promise<DemoCard> {
  const pan = demoPan();
  const account = await http<CardAccount>('POST', `${ADDRESSES.unionpaySim}/admin/accounts`, {
    pan,
    expiry: '3012',
    creditLimitMinor: limitMinor,
    balanceMinor,
  });
  const r = await vault.tokenize(
    TokenizeRequest.fromPartial({
      idempotency_key: randomUUID(),
      // No digit run: a Luhn-valid one would look like a card number and be refused.
      cardholder_ref: demoKey(),
      pan,
      expiry_month: '12',
      expiry_year: '2030',
    }),
    { deadlineMs: 5000 },
  );
  return { token: r.token, pan, accountId: account.id };
}

export async function cardAccount(id: number): Promise<CardAccount> {
  return http<CardAccount>('GET', `${ADDRESSES.unionpaySim}/admin/accounts/${id}`);
}
