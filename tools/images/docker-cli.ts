import { spawn } from 'child_process';
import { createWriteStream } from 'fs';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command and collects its output; `logFile` also receives both streams as they come (image builds are
 * long, and their log is what an engineer reads when one fails). Never throws for a non-zero exit.
 */
export function run(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; logFile?: string; input?: NodeJS.ReadableStream } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      log?.write(d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      log?.write(d);
    });
    if (opts.input) opts.input.pipe(child.stdin!);
    child.on('error', reject);
    child.on('close', (code) => {
      log?.end();
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Like run, but a non-zero exit is an error carrying the command's last lines. */
export async function runOk(
  command: string,
  args: string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<string> {
  const r = await run(command, args, opts);
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(`${command} ${args.slice(0, 3).join(' ')}… exited with ${r.code}:\n${tail}`);
  }
  return r.stdout;
}

/**
 * The docker CLI with the classic builder: Debian's engine has no buildx plugin, and the newer CLI some machines
 * carry refuses BuildKit without it. Every image here is a short chain of COPY/RUN steps, so nothing is lost.
 */
export const docker = (args: string[], opts: Parameters<typeof run>[2] = {}) =>
  runOk('docker', args, { ...opts, env: { DOCKER_BUILDKIT: '0', ...opts.env } });

export async function imageExists(tag: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', '--format', '{{.Id}}', tag])).code === 0;
}
