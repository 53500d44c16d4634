import { Client } from 'pg';
import { eventually, readTopic, uniqueName } from '@wxpay/testing';
import { card, idempotencyKey, randomPan } from './support/cards';
import { VaultHarness } from './support/vault-harness';

/**
 * The text without card tokens and without long runs of base64/hex/base32 that carry digits (ciphertexts, keys,
 * hashes): what remains are names and plain values, where a CVN2 field could show.
 */
function withoutRandomStrings(text: string): string {
  return text
    .replace(/tok_[a-z2-7]{26}/g, 'tok_')
    .replace(/[A-Za-z0-9+/=_-]{24,}/g, (run) => (/\d.*\d/.test(run) ? '#' : run));
}

jest.setTimeout(90_000);

/** Every value sent to PostgreSQL during the test, flattened to strings and buffers. */
const sentToDatabase: (string | Buffer)[] = [];
function collect(value: unknown): void {
  if (typeof value === 'string' || Buffer.isBuffer(value)) sentToDatabase.push(value);
  else if (Array.isArray(value)) value.forEach(collect);
}

describe('card numbers and CVN2 never leave the vault in clear', () => {
  let h: VaultHarness;
  const pans = [randomPan(), randomPan(), randomPan('37', 15), randomPan('4', 16), randomPan('622202', 19)];
  const cvn2s = ['739', '582', '4816', '306', '917'];

  beforeAll(async () => {
    const query = Client.prototype.query;
    jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const [first, second] = args as [unknown, unknown];
      if (Array.isArray(second)) collect(second);
      if (first && typeof first === 'object' && Array.isArray((first as { values?: unknown }).values)) {
        collect((first as { values: unknown[] }).values);
      }
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query);
    h = await VaultHarness.create('vault_leak');
    await h.start();
  });
  afterAll(() => h.close());

  it('leaves no trace in any table, event or log line, through a full lifecycle and a key rotation', async () => {
    const channel = h.client('channel');
    const payment = h.client('payment');
    const cardholder = uniqueName('ch');
    const tokens: string[] = [];
    for (const [i, pan] of pans.entries()) {
      const res = await channel.tokenize({ ...card(cardholder, pan), cvn2: cvn2s[i]! });
      tokens.push(res.token);
      expect((await payment.detokenize(res.token, 'authorization')).pan).toBe(pan);
    }
    // Refusals that carry a card number in the wrong place.
    const pan = pans[0]!;
    const badLuhn = `${pan.slice(0, -1)}${(Number(pan.slice(-1)) + 1) % 10}`;
    await channel.failure(channel.tokenize({ ...card(cardholder, badLuhn), cvn2: cvn2s[0]! }));
    await channel.failure(
      channel.tokenize({ ...card(cardholder, pan), expiry_year: '2021', cvn2: cvn2s[0]! }),
    );
    await channel.failure(channel.tokenize({ ...card(pan, pan), cvn2: cvn2s[0]! }));
    await channel.failure(channel.tokenize({ ...card(cardholder, pan), idempotency_key: `key-${pan}` }));
    await payment.failure(payment.detokenize(tokens[0]!, `for card ${pan}`));
    await channel.failure(channel.status('SuspendToken', tokens[0]!, idempotencyKey(), `card ${pan} stolen`));
    await payment.failure(h.client('risk').detokenize(tokens[0]!));
    await channel.status('SuspendToken', tokens[1]!, idempotencyKey(), 'lost');
    await channel.status('ResumeToken', tokens[1]!, idempotencyKey(), 'found');
    await channel.status('DeleteToken', tokens[2]!, idempotencyKey(), 'unbound');
    await h.start({ TOKENIZATION_KEK_VERSIONS: '1,2' });
    await h.vault.rotation.run({ batchSize: 2 });

    // Tables: every row of every table, as text (bytea shows as hex, so look for the digits' hex too).
    const tables = (await h.db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    )) as { table_name: string }[];
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['card', 'card_fingerprint', 'audit_entry', 'outbox_event']),
    );
    const rowsText: string[] = [];
    for (const { table_name } of tables) {
      const rows = (await h.db.dataSource.query(`SELECT t::text AS row FROM "${table_name}" t`)) as {
        row: string;
      }[];
      rowsText.push(...rows.map((r) => r.row));
    }
    const dump = rowsText.join('\n');
    expect(rowsText.length).toBeGreaterThan(50);

    // Kafka: wait until every outbox event of the test was published (the outbox holds none), then read them all.
    await eventually(async () => (await h.count('outbox_event')) === 0, 'every event published');
    const messages = await readTopic(h.topic, { timeoutMs: 5000 });
    expect(messages.length).toBeGreaterThan(0);
    const kafka = messages.map((m) => `${m.key} ${m.value} ${JSON.stringify(m.headers)}`).join('\n');
    expect(kafka).toContain('CardTokenized');

    const logs = h.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);

    // The net works: it caught the statements' values (tokens among them) and the rows hold what may be shown.
    expect(sentToDatabase.filter((v) => v === tokens[0]).length).toBeGreaterThan(0);
    expect(dump).toContain(`${pans[0]!.slice(0, 6)}`);
    for (const p of [...pans, badLuhn]) {
      const hex = Buffer.from(p, 'ascii').toString('hex');
      expect({ pan: p.slice(-4), inTables: dump.includes(p) || dump.includes(hex) }).toEqual({
        pan: p.slice(-4),
        inTables: false,
      });
      expect({ pan: p.slice(-4), inKafka: kafka.includes(p) }).toEqual({ pan: p.slice(-4), inKafka: false });
      expect({ pan: p.slice(-4), inLogs: logs.includes(p) }).toEqual({ pan: p.slice(-4), inLogs: false });
      const sent = sentToDatabase.filter((v) =>
        typeof v === 'string' ? v.includes(p) : v.includes(Buffer.from(p, 'ascii')),
      );
      expect({ pan: p.slice(-4), sentToDatabase: sent.length }).toEqual({
        pan: p.slice(-4),
        sentToDatabase: 0,
      });
    }
    // CVN2 values are too short to grep for as substrings: nothing named like one, and no value equal to one.
    // Random strings are taken out first: a token or a ciphertext spells "cvc" now and then by chance (a token
    // did, tok_…sqicvc6…, and failed this test), which says nothing about a field named like one.
    for (const text of [dump, kafka, logs]) expect(withoutRandomStrings(text)).not.toMatch(/cvn|cvv|cvc/i);
    for (const cvn2 of cvn2s) {
      expect(
        sentToDatabase.filter((v) => typeof v === 'string' && (v === cvn2 || v.includes(`"${cvn2}"`))),
      ).toEqual([]);
      expect(kafka).not.toContain(`"${cvn2}"`);
      expect(logs).not.toContain(`"${cvn2}"`);
    }
  });
});
