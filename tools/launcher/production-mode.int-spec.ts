import { spawn } from 'child_process';
import { join } from 'path';
import { readManifests } from './manifest';

/**
 * Production is every service's default: each app started with the settings `npm start` gives it (its launch.json)
 * but without GATEWAY_ENV=development, and with plaintext gRPC where it serves gRPC, refuses to start and names
 * every development switch it was given, before it opens a port or a database connection.
 */
const root = join(__dirname, '..', '..');
const SWITCHES: Record<string, string[]> = {
  'unionpay-sim': ['UNIONPAY_SIM_DEV_KEYS', 'UNIONPAY_SIM_ADMIN_TOKEN'],
  'wechatpay-sim': ['WECHATPAY_SIM_ADMIN_TOKEN'],
  tokenization: ['GRPC_TLS', 'TOKENIZATION_DEV_KEYS'],
  risk: ['GRPC_TLS'],
  payment: ['GRPC_TLS', 'WECHATPAY_DEV_BUNDLE', 'WECHATPAY_BASE_URL', 'UNIONPAY_SETTLEMENT_URL'],
  repayment: ['GRPC_TLS', 'WECHATPAY_DEV_BUNDLE', 'WECHATPAY_BASE_URL', 'REPAYMENT_CLOCK'],
};

function start(entry: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', join(root, 'tools/ts-register.js'), join(root, entry)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('production mode (GATEWAY_ENV unset)', () => {
  jest.setTimeout(120_000);
  const manifests = readManifests(root);

  it('covers every app the launcher runs', () => {
    expect(manifests.map((m) => m.name).sort()).toEqual(Object.keys(SWITCHES).sort());
  });

  it.each(Object.entries(SWITCHES))(
    'refuses to start %s with its development switches',
    async (app, expected) => {
      const manifest = manifests.find((m) => m.name === app)!;
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...manifest.env };
      if (expected.includes('GRPC_TLS')) env.GRPC_TLS = 'off';
      const { code, output } = await start(manifest.entry, env);
      expect({ app, code }).toEqual({ app, code: 1 });
      const refused = [...output.matchAll(/^\s+- ([A-Z0-9_]+): .*\(a development switch\)$/gm)].map(
        (m) => m[1],
      );
      expect(refused.sort()).toEqual([...expected].sort());
      expect(output).toContain('GATEWAY_ENV: production (the default) refuses');
      // Named, never echoed: the bundle's path and the dev addresses stay out of the message.
      expect(output).not.toContain('merchant-bundle.json');
      expect(output).not.toContain('127.0.0.1:8090');
    },
  );
});
