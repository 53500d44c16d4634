import { maskPan } from '@wxpay/card';
import { type DataSource } from 'typeorm';
import { panIndexOf } from '../switch/financial-handler';
import { ACCOUNT_COLUMNS, toAccount, type DbRow } from './journal-rows';
import { type Account, type AccountStatus } from './ledger-model';

export interface NewAccount {
  pan: string;
  expiry: string;
  currency: string;
  creditLimitMinor: number;
  balanceMinor: number;
  status: AccountStatus;
  singleLimitMinor: number | null;
}

export interface AccountChanges {
  status?: AccountStatus;
  creditLimitMinor?: number;
  singleLimitMinor?: number | null;
}

export class AccountExistsError extends Error {
  override readonly name = 'AccountExistsError';
}

/** Admin-side account operations; every change takes the account's row lock, like the issuer does. */
export class CardAccounts {
  constructor(
    private readonly ds: DataSource,
    private readonly panIndexKey: Buffer,
  ) {}

  async create(a: NewAccount): Promise<Account> {
    try {
      const rows: DbRow[] = await this.ds.query(
        `INSERT INTO card_account (pan_index, masked_pan, expiry, status, currency, credit_limit_minor, balance_minor,
            single_limit_minor)
         VALUES (decode($1, 'hex'), $2, $3, $4, $5, $6, $7, $8) RETURNING ${ACCOUNT_COLUMNS}`,
        [
          panIndexOf(this.panIndexKey, a.pan),
          maskPan(a.pan),
          a.expiry,
          a.status,
          a.currency,
          a.creditLimitMinor,
          a.balanceMinor,
          a.singleLimitMinor,
        ],
      );
      return toAccount(rows[0]);
    } catch (e) {
      if ((e as { code?: string }).code === '23505')
        throw new AccountExistsError('an account for this card exists');
      throw e;
    }
  }

  async findByPan(pan: string): Promise<Account | undefined> {
    const rows: DbRow[] = await this.ds.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM card_account WHERE pan_index = decode($1, 'hex')`,
      [panIndexOf(this.panIndexKey, pan)],
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async get(id: number): Promise<Account | undefined> {
    const rows: DbRow[] = await this.ds.query(`SELECT ${ACCOUNT_COLUMNS} FROM card_account WHERE id = $1`, [
      id,
    ]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async list(): Promise<Account[]> {
    const rows: DbRow[] = await this.ds.query(`SELECT ${ACCOUNT_COLUMNS} FROM card_account ORDER BY id`);
    return rows.map(toAccount);
  }

  async update(id: number, c: AccountChanges): Promise<Account | undefined> {
    return this.ds.transaction(async (m) => {
      const locked: DbRow[] = await m.query(`SELECT id FROM card_account WHERE id = $1 FOR UPDATE`, [id]);
      if (locked.length === 0) return undefined;
      await m.query(
        `UPDATE card_account
            SET status = coalesce($2, status),
                credit_limit_minor = coalesce($3, credit_limit_minor),
                single_limit_minor = CASE WHEN $4::boolean THEN $5::bigint ELSE single_limit_minor END,
                updated_at = now()
          WHERE id = $1`,
        [
          id,
          c.status ?? null,
          c.creditLimitMinor ?? null,
          c.singleLimitMinor !== undefined,
          c.singleLimitMinor ?? null,
        ],
      );
      const rows: DbRow[] = await m.query(`SELECT ${ACCOUNT_COLUMNS} FROM card_account WHERE id = $1`, [id]);
      return toAccount(rows[0]);
    });
  }
}

/** The admin API's view of an account: balances, never the PAN. */
export function accountView(a: Account): Record<string, unknown> {
  const m = (minor: number) => ({ minor, currency: a.currency });
  return {
    id: a.id,
    maskedPan: a.maskedPan,
    expiry: a.expiry,
    status: a.status,
    creditLimit: m(a.creditLimit),
    balance: m(a.balance),
    held: m(a.held),
    available: m(a.creditLimit - a.balance - a.held),
    singleTransactionLimit: a.singleLimit === null ? null : m(a.singleLimit),
  };
}
