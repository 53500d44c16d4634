import { eventually, uniqueName } from '@wxpay/testing';
import { FingerprintRotation } from '../src/rotation/fingerprint-rotation';
import { card, randomPan } from './support/cards';
import { VaultHarness, type VaultClient } from './support/vault-harness';

jest.setTimeout(120_000);

/**
 * A new fingerprint key becomes current while the vault serves: new cards are fingerprinted under it, look-ups
 * match either version, the background job moves the old fingerprints in small paced batches, and no look-up of
 * a known card misses (a miss would hand out a second token for the same card).
 */
describe('fingerprint key rotation under load', () => {
  let h: VaultHarness;
  const KNOWN = 60;
  const known: { cardholder: string; pan: string; token: string }[] = [];

  beforeAll(async () => {
    h = await VaultHarness.create('vault_fp_rotation');
    await h.start();
    const channel = h.client('channel');
    for (let i = 0; i < KNOWN; i++) {
      const cardholder = uniqueName('ch');
      const pan = randomPan();
      known.push({ cardholder, pan, token: (await channel.tokenize(card(cardholder, pan))).token });
    }
  });
  afterAll(() => h.close());

  const byVersion = async () => ({
    v1: await h.count('card_fingerprint', 'key_version = 1'),
    v2: await h.count('card_fingerprint', 'key_version = 2'),
  });

  it('moves every fingerprint to the new key while look-ups run, and none of them misses', async () => {
    expect(await byVersion()).toEqual({ v1: KNOWN, v2: 0 });
    await h.start({
      TOKENIZATION_FINGERPRINT_VERSIONS: '1,2',
      TOKENIZATION_ROTATION_AUTO: 'on',
      TOKENIZATION_ROTATION_BATCH: '4',
      TOKENIZATION_ROTATION_PAUSE_MS: '40',
    });
    const clients: VaultClient[] = [h.client('channel'), h.client('channel'), h.client('channel')];
    let lookups = 0;
    let duringRotation = 0;
    const fresh: string[] = [];
    const wrong: string[] = [];
    let state = await byVersion();
    const deadline = Date.now() + 60_000; // bounded: a stuck job fails the test instead of hanging it
    while (state.v1 > 0 && Date.now() < deadline) {
      const mixed = state.v2 > 0;
      const answers = await Promise.all(
        clients.map(async (c, i) => {
          const k = known[(lookups + i) % KNOWN]!;
          return { k, res: await c.tokenize(card(k.cardholder, k.pan)) };
        }),
      );
      for (const { k, res } of answers) {
        lookups++;
        if (mixed) duringRotation++;
        if (res.created || res.token !== k.token)
          wrong.push(`${k.token} → ${res.token} created=${res.created}`);
      }
      // A card seen for the first time meanwhile is fingerprinted under the new key.
      fresh.push((await clients[0]!.tokenize(card(uniqueName('ch'), randomPan()))).token);
      state = await byVersion();
    }
    expect(wrong).toEqual([]);
    expect(duringRotation).toBeGreaterThan(0); // look-ups ran while both versions were in the table
    expect(await byVersion()).toEqual({ v1: 0, v2: KNOWN + fresh.length });
    expect(await h.count('audit_entry', `action = 'fingerprint-rotation'`)).toBeGreaterThanOrEqual(KNOWN / 4);
    await eventually(
      async () => h.logs.some((l) => l.includes('fingerprints moved to the current key')),
      'the job reports its end',
    );
  });

  it('never moves fingerprints back: a vault with the older version current leaves them, and says so', async () => {
    await h.start({ TOKENIZATION_FINGERPRINT_VERSIONS: '1,2', TOKENIZATION_FINGERPRINT_CURRENT: '1' });
    const k = known[0]!;
    expect(await h.client('channel').tokenize(card(k.cardholder, k.pan))).toMatchObject({ token: k.token });
    // The job as TOKENIZATION_ROTATION_AUTO would run it at start, here to its end: it moves nothing.
    expect(await h.app!.get(FingerprintRotation).run(200)).toBe(0);
    expect((await byVersion()).v1).toBe(0);
    expect(h.logs.some((l) => l.includes('finish the rollout'))).toBe(true);
  });

  it('retires the old key: the vault starts without it and still finds every card', async () => {
    await h.start({ TOKENIZATION_FINGERPRINT_VERSIONS: '2' });
    const channel = h.client('channel');
    for (const k of known.slice(0, 10)) {
      expect(await channel.tokenize(card(k.cardholder, k.pan))).toMatchObject({
        token: k.token,
        created: false,
      });
    }
  });

  it('refuses to start without a key that cards are still fingerprinted under', async () => {
    await expect(h.start({ TOKENIZATION_FINGERPRINT_VERSIONS: '1' })).rejects.toThrow(
      /are fingerprinted under fingerprint-key-v2, whose shares are not loaded/,
    );
  });
});
