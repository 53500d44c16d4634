import { eventually, uniqueName } from '@wxpay/testing';
import { canonicalFields } from '../src/crypto/canonical';
import { unwrapDek } from '../src/crypto/envelope';
import { seal } from '../src/crypto/vault-crypto';
import { card, randomPan } from './support/cards';
import { VaultHarness, type VaultClient } from './support/vault-harness';

jest.setTimeout(90_000);

/**
 * Records written before envelope 2 (the number sealed alone, the expiry in clear columns) keep working, and the
 * service moves them to envelope 2 when it starts: the clear columns are emptied, the card opens the same.
 */
describe('envelope 1 records (expiry in clear columns) are upgraded at start', () => {
  let h: VaultHarness;
  let channel: VaultClient;
  let payment: VaultClient;

  beforeAll(async () => {
    h = await VaultHarness.create('vault_envelope');
    await h.start();
    channel = h.client('channel');
    payment = h.client('payment');
  });
  afterAll(() => h.close());

  /** Rewrites a record as the vault wrote it before envelope 2, with the same data key. */
  async function asEnvelopeV1(token: string, pan: string, month: string, year: string): Promise<void> {
    const [row] = (await h.db.dataSource.query(
      `SELECT cardholder_ref, dek_sealed, kek_version FROM card WHERE token = $1`,
      [token],
    )) as { cardholder_ref: string; dek_sealed: Buffer; kek_version: number }[];
    const dek = unwrapDek(h.vault.ring, token, row!.kek_version, row!.dek_sealed);
    const v1 = seal(dek, Buffer.from(pan, 'ascii'), canonicalFields(['pan-v1', token, row!.cardholder_ref]));
    await h.db.dataSource.query(
      `UPDATE card SET envelope = 1, pan_sealed = $2, expiry_month = $3, expiry_year = $4 WHERE token = $1`,
      [token, v1, month, year],
    );
  }

  it('reads them as they are, then seals their expiry with the number at the next start', async () => {
    const cards = [randomPan(), randomPan(), randomPan()];
    const tokens: string[] = [];
    for (const [i, pan] of cards.entries()) {
      const { token } = await channel.tokenize(card(uniqueName('ch'), pan, { expiry_month: `0${i + 1}` }));
      await asEnvelopeV1(token, pan, `0${i + 1}`, '2031');
      tokens.push(token);
    }
    // One of them deleted while still envelope 1: its tombstone must lose the clear expiry too.
    await h.db.dataSource.query(
      `UPDATE card SET status = 'DELETED', pan_sealed = NULL, dek_sealed = NULL, kek_version = NULL
        WHERE token = $1`,
      [tokens[2]],
    );
    expect(await h.count('card', `envelope = 1 AND expiry_month IS NOT NULL`)).toBe(3);
    expect(await payment.detokenize(tokens[0]!)).toEqual({
      pan: cards[0],
      expiry_month: '01',
      expiry_year: '2031',
    });

    await h.start(); // the upgrade runs beside the serving vault
    channel = h.client('channel');
    payment = h.client('payment');
    await eventually(
      async () =>
        (await h.count('card', `envelope = 1 OR expiry_month IS NOT NULL OR expiry_year IS NOT NULL`)) === 0,
      'every envelope 1 record moved',
    );
    for (const i of [0, 1]) {
      expect(await payment.detokenize(tokens[i]!)).toEqual({
        pan: cards[i],
        expiry_month: `0${i + 1}`,
        expiry_year: '2031',
      });
    }
    expect(
      await h.count('audit_entry', `actor = 'system:envelope-upgrade' AND action = 'envelope-upgrade'`),
    ).toBe(1);
    expect(h.logs.some((l) => l.includes('moved to envelope 2') && l.includes('"records":3'))).toBe(true);
  });

  it('refuses to leave a record half-moved: the table holds expiry and envelope together', async () => {
    const { token } = await channel.tokenize(card(uniqueName('ch'), randomPan()));
    await expect(
      h.db.dataSource.query(`UPDATE card SET expiry_month = '01', expiry_year = '2031' WHERE token = $1`, [
        token,
      ]),
    ).rejects.toThrow(/card_expiry_by_envelope/);
    await expect(
      h.db.dataSource.query(`UPDATE card SET envelope = 1 WHERE token = $1`, [token]),
    ).rejects.toThrow(/card_expiry_by_envelope/);
  });
});
