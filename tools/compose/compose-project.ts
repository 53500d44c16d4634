import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { run, runOk } from '../images/docker-cli';

export interface ComposeService {
  profiles?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  ports?: string[];
}

/** The compose file's services (anchors merged), as compose will see them. */
export function readComposeFile(root: string): Record<string, ComposeService> {
  const file = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  return file.services;
}

/** A one-shot job: compose starts it once and the services after it wait for it to exit 0. */
export const isJob = (s: ComposeService) => s.restart === 'no';

/**
 * One compose project (its own name, so its own network and volumes) driven through whichever compose tool the
 * machine has: the v2 plugin (`docker compose`) or Debian's docker-compose 1.29.
 */
export class ComposeProject {
  private constructor(
    readonly tool: { command: string; prefix: string[]; version: string },
    readonly root: string,
    readonly name: string,
    readonly profiles: string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  static async open(
    root: string,
    name: string,
    profiles: string[],
    env: NodeJS.ProcessEnv,
  ): Promise<ComposeProject> {
    const v2 = await run('docker', ['compose', 'version', '--short']);
    if (v2.code === 0)
      return new ComposeProject(
        { command: 'docker', prefix: ['compose'], version: `v2 ${v2.stdout.trim()}` },
        root,
        name,
        profiles,
        env,
      );
    const v1 = await run('docker-compose', ['version', '--short']).catch(() => undefined);
    if (v1?.code === 0)
      return new ComposeProject(
        { command: 'docker-compose', prefix: [], version: v1.stdout.trim() },
        root,
        name,
        profiles,
        env,
      );
    throw new Error(
      'no compose tool: neither `docker compose` nor docker-compose (Debian: apt-get install docker-compose)',
    );
  }

  private args(rest: string[]): string[] {
    return [
      ...this.tool.prefix,
      '--project-name',
      this.name,
      '--file',
      join(this.root, 'docker-compose.yml'),
      ...this.profiles.flatMap((p) => ['--profile', p]),
      ...rest,
    ];
  }

  exec(rest: string[], logFile?: string): Promise<string> {
    return runOk(this.tool.command, this.args(rest), { cwd: this.root, env: this.env, logFile });
  }

  try(rest: string[]) {
    return run(this.tool.command, this.args(rest), { cwd: this.root, env: this.env });
  }

  /** Containers of this project (running or exited) by service, through the labels compose sets. */
  async containers(): Promise<Map<string, ContainerState>> {
    const ids = (
      await runOk('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${this.name}`])
    ).trim();
    const states = new Map<string, ContainerState>();
    if (!ids) return states;
    const inspected = JSON.parse(await runOk('docker', ['inspect', ...ids.split('\n')])) as {
      Id: string;
      Config: { Labels: Record<string, string> };
      State: { Status: string; ExitCode: number; Health?: { Status: string } };
    }[];
    for (const c of inspected)
      states.set(c.Config.Labels['com.docker.compose.service']!, {
        id: c.Id,
        status: c.State.Status,
        exitCode: c.State.ExitCode,
        health: c.State.Health?.Status,
      });
    return states;
  }

  /**
   * Waits until every long-running service of the active profiles is healthy and every job exited 0; fails at
   * once when a job fails or a service turns unhealthy or stops.
   */
  async waitHealthy(services: Record<string, ComposeService>, timeoutMs: number): Promise<void> {
    const active = Object.entries(services).filter(
      ([, s]) => !s.profiles || s.profiles.some((p) => this.profiles.includes(p)),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await this.containers();
      const waiting: string[] = [];
      for (const [name, svc] of active) {
        const c = states.get(name);
        if (!c) {
          waiting.push(`${name} (not created)`);
        } else if (isJob(svc)) {
          if (c.status === 'exited' && c.exitCode !== 0)
            throw new Error(`job ${name} exited with ${c.exitCode}`);
          if (c.status !== 'exited') waiting.push(`${name} (${c.status})`);
        } else {
          if (c.status === 'exited' || c.health === 'unhealthy')
            throw new Error(
              `${name} is ${c.health === 'unhealthy' ? 'unhealthy' : `exited (${c.exitCode})`}`,
            );
          if (c.health !== 'healthy') waiting.push(`${name} (${c.health ?? c.status})`);
        }
      }
      if (waiting.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`not healthy after ${timeoutMs / 1000} s: ${waiting.join(', ')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** The host address of a published port; refuses one published beyond the loopback interface. */
  async published(service: string, port: number): Promise<string> {
    const address = (await this.exec(['port', service, String(port)])).trim().split('\n')[0]!;
    if (!address.startsWith('127.0.0.1:'))
      throw new Error(`${service}:${port} is published on ${address}, not on 127.0.0.1 only`);
    return address;
  }
}

export interface ContainerState {
  id: string;
  status: string;
  exitCode: number;
  health?: string;
}
