import { createServer, type Server } from 'net';
import { parseArgs } from './cluster';
import { type AppManifest } from './manifest';
import { addressesInUse, listenAddresses, readinessOf } from './ports';

describe('npm start arguments', () => {
  it('--help asks for the usage and nothing else', () => {
    expect(parseArgs(['--help'])).toMatchObject({ help: true });
    expect(parseArgs(['-h'])).toMatchObject({ help: true });
  });

  it('refuses an option it does not know, or --only without names, instead of starting a cluster', () => {
    expect(() => parseArgs(['--hepl'])).toThrow(/unknown option "--hepl"\nusage: npm start/);
    expect(() => parseArgs(['--only', 'payment', 'restart'])).toThrow(/unknown option "restart"/);
    expect(() => parseArgs(['--only'])).toThrow(/--only needs app names/);
    expect(() => parseArgs(['--only', '--infra-only'])).toThrow(/--only needs app names/);
  });

  it('reads a restart of one app with the environment to add, and refuses what is not NAME=value', () => {
    expect(parseArgs(['restart', 'payment', 'LOG_LEVEL=debug', 'PAYMENT_X=a=b'])).toMatchObject({
      restart: { restart: 'payment', env: { LOG_LEVEL: 'debug', PAYMENT_X: 'a=b' } },
    });
    expect(parseArgs(['restart', 'risk']).restart).toEqual({ restart: 'risk', env: {} });
    expect(() => parseArgs(['restart'])).toThrow(/restart needs an app name/);
    expect(() => parseArgs(['restart', '--only'])).toThrow(/restart needs an app name/);
    expect(() => parseArgs(['restart', 'payment', 'log_level=debug'])).toThrow(
      'restart takes NAME=value pairs, not "log_level=debug"',
    );
    expect(() => parseArgs(['restart', 'payment', 'LOG_LEVEL'])).toThrow(/NAME=value pairs/);
  });

  it('reads --only and --infra-only', () => {
    expect(parseArgs(['--only', 'payment,risk', '--infra-only'])).toEqual({
      only: ['payment', 'risk'],
      infraOnly: true,
      help: false,
      json: false,
    });
  });

  it("reads --json: the apps' log lines as the JSON they write", () => {
    expect(parseArgs(['--json', '--only', 'risk'])).toMatchObject({ json: true, only: ['risk'] });
    expect(parseArgs([]).json).toBe(false);
  });
});

describe('ports the apps will listen on', () => {
  const app = (name: string, env: Record<string, string>) => ({ name, env }) as unknown as AppManifest;
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("pairs each <X>_PORT with its <X>_HOST, the launcher's environment winning", () => {
    const apps = [
      app('svc', { SVC_GRPC_HOST: '127.0.0.1', SVC_GRPC_PORT: '50051', SVC_URL: 'x', SVC_HTTP_PORT: '8080' }),
    ];
    expect(listenAddresses(apps, { SVC_HTTP_PORT: '9090' })).toEqual([
      { app: 'svc', variable: 'SVC_GRPC_PORT', host: '127.0.0.1', port: 50051 },
      { app: 'svc', variable: 'SVC_HTTP_PORT', host: '127.0.0.1', port: 9090 },
    ]);
  });

  it('finds an address something already listens on, and only that one', async () => {
    const free = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const addresses = [
      { app: 'a', variable: 'A_PORT', host: '127.0.0.1', port },
      { app: 'b', variable: 'B_PORT', host: '127.0.0.1', port: free },
    ];
    expect(await addressesInUse(addresses)).toEqual([addresses[0]]);
  });
});

describe('readiness of an app moved to another port', () => {
  const sim = {
    name: 'wechatpay-sim',
    env: { WECHATPAY_SIM_PORT: '8090', WECHATPAY_SIM_HOST: '127.0.0.1' },
    ready: { http: 'http://127.0.0.1:8090/health/live' },
  } as unknown as AppManifest;

  it('is checked where the app listens, not on the default port another cluster may answer', () => {
    expect(readinessOf(sim, { WECHATPAY_SIM_PORT: '18090' })).toEqual({
      http: 'http://127.0.0.1:18090/health/live',
    });
    expect(readinessOf(sim, {})).toEqual(sim.ready);
    const channel = { ...sim, env: { X_TLS_PORT: '9443' }, ready: { tcp: '127.0.0.1:9443' } } as AppManifest;
    expect(readinessOf(channel, { X_TLS_PORT: '19443' })).toEqual({ tcp: '127.0.0.1:19443' });
  });
});
