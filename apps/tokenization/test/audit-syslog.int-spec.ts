import { createSocket, type Socket } from 'dgram';
import { uniqueName } from '@wxpay/testing';
import { AuditCheckpointer, lastCheckpoint } from '../src/persistence/audit-checkpoints';
import { card } from './support/cards';
import { VaultHarness } from './support/vault-harness';

jest.setTimeout(60_000);

/** TOKENIZATION_AUDIT_SYSLOG: each checkpoint also goes to a syslog collector (a SIEM), RFC 5424 over UDP. */
describe('audit checkpoints to a syslog collector', () => {
  let h: VaultHarness;
  let collector: Socket;
  const received: string[] = [];

  beforeAll(async () => {
    collector = createSocket('udp4');
    collector.on('message', (m) => received.push(m.toString('utf8')));
    await new Promise<void>((resolve) => collector.bind(0, '127.0.0.1', resolve));
    h = await VaultHarness.create('vault_syslog');
    await h.start({ TOKENIZATION_AUDIT_SYSLOG: `udp://127.0.0.1:${collector.address().port}` });
  });
  afterAll(async () => {
    collector.close();
    await h.close();
  });

  it('sends the checkpoint, MAC and all, as the file records it', async () => {
    await h.client('channel').tokenize(card(uniqueName('ch')));
    const written = (await h.app!.get(AuditCheckpointer).write())!;
    const deadline = Date.now() + 10_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(1);
    const [prefix, line] = received[0]!.split(' audit-checkpoint - ');
    expect(prefix).toMatch(new RegExp(`^<37>1 ${written.at} \\S+ wxpay-vault \\d+$`));
    const mac = (data: Buffer) => h.vault.ring.auditMac(data);
    expect(lastCheckpoint(line!, mac)).toEqual({ last: written, rejected: 0 });
  });
});
