import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// Real openssl processes (and, for the CLI, a Node process compiling TypeScript) per test: on a busy two-core CI
// machine that takes far longer than Jest's 5 s default, without anything being wrong.
jest.setTimeout(60_000);

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', '..', 'deploy', 'dev-ca', 'generate.js');

describe('deploy/dev-ca/generate.js', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wxpay-pki-cli-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates the named services and simulators into the given directory, then reuses them', async () => {
    const first = await run(process.execPath, [CLI, dir, 'payment', '--simulators', 'unionpay-sim']);
    expect(first.stdout).toContain('generated: ca services-ca sim-ca payment unionpay-sim');
    await access(join(dir, 'payment.crt'));
    await access(join(dir, 'unionpay-sim.crt'));
    const second = await run(process.execPath, [CLI, dir, 'payment', '--simulators=unionpay-sim']);
    expect(second.stdout).toContain('generated: (nothing)');
  });

  it("defaults to npm start's identities: the apps, channel, console, card-system and Kafka's own; the simulators apart", async () => {
    const { stdout } = await run(process.execPath, [CLI, dir]);
    expect(stdout).toMatch(
      /services: +(\S+ )*payment (\S+ )*channel console card-system kafka kafka-admin \(from services-ca\)/,
    );
    expect(stdout).toContain('simulators: unionpay-sim wechatpay-sim (from sim-ca)');
    for (const name of [
      'tokenization',
      'risk',
      'repayment',
      'channel',
      'console',
      'card-system',
      'kafka',
      'kafka-admin',
      'wechatpay-sim',
    ])
      await access(join(dir, `${name}.crt`));
  });

  it('exits non-zero with a clear message for a bad service name', async () => {
    await expect(run(process.execPath, [CLI, dir, 'Bad Name'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('must be a lower-case DNS label'),
    });
  });
});
