import { type Metrics } from '@wxpay/observability';
import { METRICS } from '@wxpay/runtime';
import { eventually, uniqueName } from '@wxpay/testing';
import { card, randomPan } from './support/cards';
import { VaultHarness } from './support/vault-harness';

jest.setTimeout(120_000);

/** The rotation progress gauges, read from the running vault's registry as Prometheus would scrape them. */
describe('key rotation progress gauges', () => {
  let h: VaultHarness;
  beforeAll(async () => {
    h = await VaultHarness.create('vault_rotation_progress');
    await h.start();
    const channel = h.client('channel');
    for (let i = 0; i < 5; i++) await channel.tokenize(card(uniqueName('ch'), randomPan()));
  });
  afterAll(() => h.close());

  const figures = async (key: string) => {
    const text = await h.app!.get<Metrics>(METRICS).registry.metrics();
    const read = (name: string) =>
      Number(
        new RegExp(`^${name}\\{key="${key}",service="tokenization"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? -1,
      );
    return { remaining: read('tokenization_rotation_remaining'), done: read('tokenization_rotation_done') };
  };

  it('counts records under the current key and those left under an older one, at start', async () => {
    await h.start({ TOKENIZATION_ROTATION_AUTO: 'off' });
    await eventually(async () => (await figures('fingerprint')).done === 5, 'first count');
    expect(await figures('fingerprint')).toEqual({ remaining: 0, done: 5 });
    expect(await figures('kek')).toEqual({ remaining: 0, done: 5 });

    // A new fingerprint key made current, its job not running: everything is left to move.
    await h.start({ TOKENIZATION_FINGERPRINT_VERSIONS: '1,2', TOKENIZATION_ROTATION_AUTO: 'off' });
    await eventually(async () => (await figures('fingerprint')).remaining === 5, 'count under version 2');
    expect(await figures('fingerprint')).toEqual({ remaining: 5, done: 0 });
  });
});
