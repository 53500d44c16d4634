import { status } from '@grpc/grpc-js';
import { TokenVaultService } from '@wxpay/contracts';
import { callerTableMismatches } from '@wxpay/testing';
import { card } from './support/cards';
import { CLIENT_NAMES, SIMULATOR, VaultHarness } from './support/vault-harness';

jest.setTimeout(120_000);

/** Who may call what (the README's caller table for TokenVault). */
const CALLERS: Record<keyof typeof TokenVaultService, readonly string[]> = {
  tokenize: ['channel'],
  detokenize: ['payment', 'repayment'],
  getCard: ['channel', 'console', 'payment', 'repayment', 'risk'],
  suspendToken: ['channel', 'console', 'risk'],
  resumeToken: ['channel', 'console'],
  deleteToken: ['channel', 'console'],
  listTokens: ['channel', 'console'],
};

describe('TokenVault callers (mutual TLS, service identities)', () => {
  let h: VaultHarness;

  beforeAll(async () => {
    h = await VaultHarness.create('vault_callers');
    await h.start();
  });
  afterAll(() => h.close());

  it('refuses every caller not on a method’s list with PERMISSION_DENIED and admits every one on it', async () => {
    const clients = new Map(CLIENT_NAMES.map((name) => [name as string, h.client(name)]));
    const mismatches = await callerTableMismatches({
      table: CALLERS,
      identities: CLIENT_NAMES,
      call: (identity, method) =>
        clients
          .get(identity)!
          .call(
            method,
            TokenVaultService[method as keyof typeof CALLERS].requestDeserialize(Buffer.alloc(0)),
          ),
    });
    expect(mismatches).toEqual([]);
    // Each refusal is logged with the method and the caller.
    const refusals = h.logs
      .map((l) => JSON.parse(l) as { msg?: string; method?: string; caller?: string })
      .filter((l) => l.msg === 'gRPC call refused: caller not allowed');
    expect(refusals).toContainEqual(
      expect.objectContaining({
        method: '/gateway.tokenization.v1.TokenVault/Detokenize',
        caller: 'card-system',
      }),
    );
  });

  it('refuses a simulator certificate as a caller: the TLS handshake fails, nothing reaches the vault', async () => {
    const { token } = await h.client('channel').tokenize(card('ch-sim'));
    const before = await h.count('audit_entry');
    const simulator = h.client(SIMULATOR);
    const err = await simulator.failure(simulator.detokenize(token));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(await h.count('audit_entry')).toBe(before);
  });

  it('refuses to talk to a server that is not the service the client meant', async () => {
    const confused = h.client('payment', 'risk');
    const err = await confused.failure(confused.call('GetCard', { token: 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa' }));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toContain('spiffe://wxpay/risk');
  });
});
