import { randomBytes } from 'crypto';
import { readFileSync } from 'fs';
import { dirname } from 'path';
import { TOPIC_PREFIX, topicAcls, type TopicSpec } from '@wxpay/contracts';
import { ensureTopics } from './topics';
import { ensureDevPki, eventually } from '@wxpay/testing';
import { type KafkaConnection } from '../kafka-connection';
import { ensureAcls, removeAcls } from './acl-admin';
import { clientOptions } from './client-options';
import { platformatic } from './platformatic';

/** Every code and message of an error and the errors inside it (the client nests the brokers' answers). */
function reasons(e: unknown, seen = new Set<unknown>()): string[] {
  if (!e || typeof e !== 'object' || seen.has(e)) return [];
  seen.add(e);
  const err = e as { message?: string; code?: string; apiId?: string; errors?: unknown[]; cause?: unknown };
  return [
    ...[err.apiId, err.code, err.message].filter((x): x is string => typeof x === 'string'),
    ...(err.errors ?? []).flatMap((inner) => reasons(inner, seen)),
    ...reasons(err.cause, seen),
  ];
}

/** What sending one record as `connection` ends in: 'sent', or the reasons the client gives. */
async function send(connection: KafkaConnection, topic: string): Promise<'sent' | string[]> {
  const producer = new platformatic.Producer({
    ...clientOptions(connection, 'acl-test'),
    retries: 0,
    connectTimeout: 3000,
    serializers: platformatic.stringSerializers,
  });
  try {
    await producer.send({ messages: [{ topic, key: 'k', value: 'v' }] });
    return 'sent';
  } catch (e) {
    return reasons(e);
  } finally {
    await producer.close().catch(() => undefined);
  }
}

const secured = process.env.KAFKA_SECURITY_PROTOCOL !== 'PLAINTEXT';

// The brokers of the test run are secured unless KAFKA_SECURITY_PROTOCOL=PLAINTEXT (the development switch, or the
// containers' broker): then there is nothing to refuse.
(secured ? describe : describe.skip)('the secured brokers (mutual TLS, ACLs from the topic table)', () => {
  const read = (path: string) => readFileSync(path, 'utf8');
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',');
  const pkiDir = dirname(process.env.KAFKA_TLS_CERT_FILE ?? '.');
  // Read in beforeAll: a skipped describe still runs its body, and without TLS there are no files to read.
  let admin: KafkaConnection;
  const as = (name: string): KafkaConnection => ({
    brokers,
    tls: { ca: admin.tls!.ca, cert: read(`${pkiDir}/${name}.crt`), key: read(`${pkiDir}/${name}.key`) },
  });
  // Topics of this test alone, in the shape of the table: payment produces, risk consumes (and produces the DLQ).
  const base = `${TOPIC_PREFIX}acl-test.${randomBytes(4).toString('hex')}`;
  const flow = (name: string, producers: string[], consumers: string[]): TopicSpec => ({
    name,
    partitions: 1,
    retentionMs: 3600_000,
    description: 'acl test',
    producers,
    consumers,
  });
  const specs = [
    flow(`${base}.orders.v1`, ['payment'], ['risk']),
    flow(`${base}.orders.v1.dlq`, ['risk'], []),
  ];
  const bindings = topicAcls(specs);

  beforeAll(async () => {
    admin = {
      brokers,
      tls: {
        ca: read(process.env.KAFKA_TLS_CA_FILE!),
        cert: read(process.env.KAFKA_TLS_CERT_FILE!),
        key: read(process.env.KAFKA_TLS_KEY_FILE!),
      },
    };
    await ensureDevPki({ dir: pkiDir, services: ['payment', 'risk'], simulators: ['unionpay-sim'] });
    await ensureTopics(admin, specs);
    await ensureAcls(admin, bindings);
  }, 60_000);

  afterAll(async () => {
    // Only the rules on its own topics: the group and cluster rules are the same bindings the topic table grants.
    await removeAcls(
      admin,
      bindings.filter((b) => b.resourceType === 'TOPIC'),
    );
    const client = new platformatic.Admin(clientOptions(admin, 'acl-test-cleanup'));
    await client.deleteTopics({ topics: specs.map((s) => s.name) }).catch(() => undefined);
    await client.close();
  });

  it('lets a service write the topic it produces and refuses it a topic it does not produce', async () => {
    // ACLs reach the broker's authorizer through the metadata log, a moment after they are created.
    await eventually(
      async () => (await send(as('payment'), specs[0]!.name)) === 'sent',
      'payment writes the topic it produces',
      20_000,
    );
    expect(await send(as('payment'), specs[1]!.name)).toContain('TOPIC_AUTHORIZATION_FAILED');
    // The consumer of the topic writes its DLQ, not the topic itself.
    expect(await send(as('risk'), specs[1]!.name)).toBe('sent');
    expect(await send(as('risk'), specs[0]!.name)).toContain('TOPIC_AUTHORIZATION_FAILED');
  }, 60_000);

  it('applies the same ACLs again without adding any', async () => {
    expect(await ensureAcls(admin, bindings)).toEqual({ created: [], existing: bindings });
  });

  it('refuses a client without a certificate, one of a CA it does not trust, and a PLAINTEXT client', async () => {
    // The same send with a certificate of the dev PKI goes through: what follows fails for the identity alone.
    expect(await send(as('payment'), specs[0]!.name)).toBe('sent');
    // The brokers end the TLS handshake of a client that shows no certificate, or one the dev CA did not sign.
    expect(await send({ brokers, tls: { ca: admin.tls!.ca } }, specs[0]!.name)).toContain('PLT_KFK_NETWORK');
    expect(await send(as('unionpay-sim'), specs[0]!.name)).toContain('PLT_KFK_NETWORK');
    // A PLAINTEXT client gets a TLS answer and nothing else.
    expect(await send({ brokers }, specs[0]!.name)).toContain('Broker requires TLS.');
  }, 60_000);
});
