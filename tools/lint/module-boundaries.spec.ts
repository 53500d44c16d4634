import { execFileSync, spawnSync } from 'child_process';
import { join } from 'path';

/**
 * The module-boundary rule is the only thing keeping apps from importing each other; prove it fires on the real
 * configuration and project graph rather than trusting the config file.
 */
const root = join(__dirname, '..', '..');

/** ESLint runs as a child process: its ESM config cannot load inside Jest's CommonJS runtime. */
async function lint(filePath: string, code: string): Promise<string[]> {
  const run = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/eslint/bin/eslint.js'),
      '--stdin',
      '--stdin-filename',
      join(root, filePath),
      '--format',
      'json',
    ],
    { cwd: root, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return result!.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('Nx module boundaries', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects'], {
      cwd: root,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
    });
  }, 60_000);

  it('rejects an app importing another app', async () => {
    const messages = await lint(
      'apps/wechatpay-sim/src/boundary-probe.ts',
      "import '../../tokenization/src/main';\n",
    );
    // Apps have no import alias, so the only way to reach one is a path, which the rule refuses.
    expect(messages).toEqual([
      'Projects cannot be imported by a relative or absolute path, and must begin with a npm scope',
    ]);
  });

  it('rejects reaching into another library by path instead of its index.ts', async () => {
    // (`@wxpay/<lib>/src/...` does not even compile: tsconfig maps only each library's index.ts.)
    const messages = await lint(
      'libs/grpc/src/boundary-probe.ts',
      "import '../../messaging/src/outbox-relay';\n",
    );
    expect(messages).toEqual([
      'Projects cannot be imported by a relative or absolute path, and must begin with a npm scope',
    ]);
  });

  it('accepts an app importing a library through its public surface', async () => {
    expect(
      await lint('apps/wechatpay-sim/src/boundary-probe.ts', "import '@wxpay/observability';\n"),
    ).toEqual([]);
  });
});
