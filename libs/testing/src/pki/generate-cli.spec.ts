import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

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

  it('generates into the given directory, then reuses on the next run', async () => {
    const first = await run(process.execPath, [CLI, dir, 'payment']);
    expect(first.stdout).toContain('generated: ca payment');
    await access(join(dir, 'payment.crt'));
    const second = await run(process.execPath, [CLI, dir, 'payment']);
    expect(second.stdout).toContain('generated: (nothing)');
  });

  it('exits non-zero with a clear message for a bad service name', async () => {
    await expect(run(process.execPath, [CLI, dir, 'Bad Name'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('must be a lower-case DNS label'),
    });
  });
});
