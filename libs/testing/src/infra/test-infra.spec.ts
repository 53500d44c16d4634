import { startTestInfra, TestInfraError } from './test-infra';

describe('startTestInfra: clear errors naming what is missing and the fix', () => {
  it('refuses an unknown TEST_INFRA mode', async () => {
    await expect(startTestInfra({ TEST_INFRA: 'docker' })).rejects.toThrow(
      "TEST_INFRA must be auto, local or containers (got 'docker')",
    );
  });

  it('explains that containers need a Docker engine, and how to run without one', async () => {
    // The probe's answer is fixed, so this holds whether or not this machine runs a Docker engine.
    const noEngine = jest.fn(async () => false);
    const err = await startTestInfra({ TEST_INFRA: 'containers' }, () => undefined, noEngine).catch((e) => e);
    expect(noEngine).toHaveBeenCalled();
    expect(err).toBeInstanceOf(TestInfraError);
    expect(err.message).toMatch(/no Docker engine answers.*TEST_INFRA=local/s);
  });

  it('uses the local infrastructure in auto mode when no engine answers', async () => {
    const err = await startTestInfra(
      { TEST_INFRA: 'auto', TEST_DATABASE_SERVER: 'postgres://postgres@127.0.0.1:1' },
      () => undefined,
      async () => false,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(TestInfraError);
    expect(err.message).toContain('no PostgreSQL answers at postgres://postgres@127.0.0.1:1');
  });

  it('names the PostgreSQL server that does not answer and the command that starts one', async () => {
    const err = await startTestInfra({
      TEST_INFRA: 'local',
      TEST_DATABASE_SERVER: 'postgres://postgres@127.0.0.1:1',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(TestInfraError);
    expect(err.message).toContain('no PostgreSQL answers at postgres://postgres@127.0.0.1:1');
    expect(err.message).toContain('pg_ctlcluster');
  });

  it('refuses KAFKA_BROKERS that do not answer instead of silently starting another broker', async () => {
    const err = await startTestInfra({
      TEST_INFRA: 'local',
      KAFKA_BROKERS: '127.0.0.1:1',
      KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT',
    }).catch((e) => e);
    expect(err).toBeInstanceOf(TestInfraError);
    expect(err.message).toContain('KAFKA_BROKERS=127.0.0.1:1 does not answer');
  });

  it('names the certificate files KAFKA_BROKERS needs under SSL, the default', async () => {
    const err = await startTestInfra({ TEST_INFRA: 'local', KAFKA_BROKERS: '127.0.0.1:1' }).catch((e) => e);
    expect(err).toBeInstanceOf(TestInfraError);
    expect(err.message).toContain(
      'KAFKA_TLS_CA_FILE: required; KAFKA_TLS_CERT_FILE: required; KAFKA_TLS_KEY_FILE: required',
    );
  });
});
