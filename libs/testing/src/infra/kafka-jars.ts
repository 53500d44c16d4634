import { execFile } from 'child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { promisify } from 'util';
import { workspaceRoot } from './workspace';

const run = promisify(execFile);

/** deploy/kafka/pom.xml is the one place the Kafka version is written down. */
export function kafkaVersion(root = workspaceRoot()): string {
  const pom = readFileSync(join(root, 'deploy/kafka/pom.xml'), 'utf8');
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
  if (!match) throw new Error('deploy/kafka/pom.xml has no <kafka.version> property');
  return match[1]!;
}

export function kafkaLibsDir(root = workspaceRoot()): string {
  return join(root, '.cache/kafka', kafkaVersion(root), 'libs');
}

/**
 * Fetches the broker's jars from Maven Central once (Maven's own ~/.m2 cache makes later clones fast too) and
 * copies them to .cache/kafka/<version>/libs. The copy goes to a temporary folder first and is renamed when
 * complete, so an interrupted fetch never leaves a half-filled classpath behind.
 */
export async function ensureKafkaJars(log: (line: string) => void = () => undefined): Promise<string> {
  const root = workspaceRoot();
  const libs = kafkaLibsDir(root);
  const marker = join(libs, '.complete');
  if (existsSync(marker)) return libs;
  const staging = `${libs}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(`fetching Apache Kafka ${kafkaVersion(root)} jars from Maven Central (once)…`);
  const args = [
    '-B',
    '-q',
    '-f',
    join(root, 'deploy/kafka/pom.xml'),
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${staging}`,
  ];
  if (process.env.MAVEN_REPO_LOCAL) args.push(`-Dmaven.repo.local=${process.env.MAVEN_REPO_LOCAL}`);
  try {
    await run('mvn', args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    const detail = e instanceof Error ? e.message : String(e);
    throw new Error(
      `could not fetch the Kafka jars with Maven (is 'mvn' on PATH and Maven Central reachable?): ${detail}`,
    );
  }
  writeFileSync(join(staging, '.complete'), new Date().toISOString());
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  return libs;
}
