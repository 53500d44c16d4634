import { readdirSync, readFileSync, statSync } from 'fs';
import { homedir } from 'os';
import { join, relative, resolve, sep } from 'path';

/**
 * Progress of the broker's first start, while Maven fetches Kafka's jars from Maven Central (libs/testing's
 * ensureKafkaJars runs `mvn -q` and keeps its output until it ends). Maven's output is not ours to read, so this
 * watches what Maven writes: the files that appear in its local repository, counted and summed every few
 * seconds, with the artifact written last.
 */

/** Where Maven puts what it downloads: MAVEN_REPO_LOCAL (as the launcher passes it), ~/.m2/settings.xml, ~/.m2. */
export function mavenLocalRepository(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.MAVEN_REPO_LOCAL) return resolve(env.MAVEN_REPO_LOCAL);
  try {
    const settings = readFileSync(join(home, '.m2', 'settings.xml'), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
    const configured = /<localRepository>\s*([^<]*?)\s*<\/localRepository>/.exec(settings)?.[1];
    if (configured) return resolve(configured.replace(/\$\{user\.home\}/g, home));
  } catch {
    // No user settings: Maven's default.
  }
  return join(home, '.m2', 'repository');
}

export interface RepositoryGrowth {
  jars: number;
  poms: number;
  /** Every new file's size, downloads still under way included. */
  bytes: number;
  /** `group:artifact:version` of the file written last. */
  latest?: string;
}

function walk(dir: string, onFile: (path: string) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // Not there yet, or gone meanwhile (Maven renames its temporary files).
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, onFile);
    else if (entry.isFile()) onFile(path);
  }
}

/** `org/apache/kafka/kafka-clients/4.3.1/kafka-clients-4.3.1.jar` → `org.apache.kafka:kafka-clients:4.3.1`. */
export function artifactOf(repo: string, path: string): string {
  const parts = relative(repo, path).split(sep);
  if (parts.length < 4) return parts.join('/');
  const version = parts[parts.length - 2]!;
  const artifact = parts[parts.length - 3]!;
  return `${parts.slice(0, -3).join('.')}:${artifact}:${version}`;
}

/** The files a local repository gained since it was first looked at. */
export class RepositoryWatch {
  private readonly before = new Set<string>();

  constructor(readonly repo: string) {
    walk(repo, (path) => this.before.add(path));
  }

  growth(): RepositoryGrowth {
    const growth: RepositoryGrowth = { jars: 0, poms: 0, bytes: 0 };
    let latestTime = -1;
    walk(this.repo, (path) => {
      if (this.before.has(path)) return;
      let stat;
      try {
        stat = statSync(path);
      } catch {
        return;
      }
      growth.bytes += stat.size;
      if (path.endsWith('.jar')) growth.jars++;
      else if (path.endsWith('.pom')) growth.poms++;
      if (stat.mtimeMs > latestTime) {
        latestTime = stat.mtimeMs;
        growth.latest = artifactOf(this.repo, path);
      }
    });
    return growth;
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function summary(g: RepositoryGrowth): string {
  return `${count(g.jars, 'jar')} and ${count(g.poms, 'pom')}, ${formatBytes(g.bytes)}`;
}

export interface MavenProgressOptions {
  repo?: string;
  /** How often a progress line is written (default 3 s). */
  intervalMs?: number;
  now?: () => number;
}

/** Writes a progress line every few seconds until stopped, then what was fetched in all. */
export function watchMavenFetch(
  log: (line: string) => void,
  options: MavenProgressOptions = {},
): { stop(): void } {
  const { repo = mavenLocalRepository(), intervalMs = 3000, now = Date.now } = options;
  const started = now();
  const watch = new RepositoryWatch(repo);
  const seconds = () => `${Math.round((now() - started) / 1000)} s`;
  const timer = setInterval(() => {
    const g = watch.growth();
    log(
      g.bytes === 0
        ? `Maven: still resolving (${seconds()}), nothing new in ${repo} yet`
        : `Maven: ${summary(g)} fetched so far (${seconds()})${g.latest ? `; latest ${g.latest}` : ''}`,
    );
  }, intervalMs);
  timer.unref();
  let stopped = false;
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      const g = watch.growth();
      log(`Maven: ${summary(g)} fetched into ${repo} in ${seconds()}`);
    },
  };
}

/** The line ensureKafkaJars writes before it runs Maven (and only then: the jars are fetched once). */
const FETCH_STARTS = /\bMaven Central\b/;

/**
 * Wraps the log given to startLocalKafka: from its line announcing the fetch from Maven Central until its next
 * line (or stop(), when startLocalKafka has settled), progress lines go to the same log.
 */
export function withMavenProgress(
  log: (line: string) => void,
  options: MavenProgressOptions = {},
): { log: (line: string) => void; stop(): void } {
  let watcher: { stop(): void } | undefined;
  const stop = () => {
    watcher?.stop();
    watcher = undefined;
  };
  return {
    log(line) {
      stop();
      log(line);
      if (FETCH_STARTS.test(line)) watcher = watchMavenFetch(log, options);
    },
    stop,
  };
}
