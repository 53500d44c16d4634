import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { artifactOf, mavenLocalRepository, RepositoryWatch, withMavenProgress } from './maven-progress';

function put(repo: string, path: string, bytes: number): void {
  const file = join(repo, path);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, Buffer.alloc(bytes));
}

describe('progress while Maven fetches the broker’s jars', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'maven-progress-'));
  });
  afterEach(() => {
    jest.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the local repository as Maven does: MAVEN_REPO_LOCAL, then ~/.m2/settings.xml, then ~/.m2/repository', () => {
    expect(mavenLocalRepository({ MAVEN_REPO_LOCAL: '/opt/m2' }, dir)).toBe('/opt/m2');
    expect(mavenLocalRepository({}, dir)).toBe(join(dir, '.m2/repository'));
    mkdirSync(join(dir, '.m2'));
    writeFileSync(
      join(dir, '.m2/settings.xml'),
      '<settings><!-- <localRepository>/not/this</localRepository> -->\n' +
        '  <localRepository> ${user.home}/repo </localRepository></settings>',
    );
    expect(mavenLocalRepository({}, dir)).toBe(join(dir, 'repo'));
  });

  it('names the artifact a file belongs to', () => {
    expect(artifactOf('/r', '/r/org/apache/kafka/kafka-clients/4.3.1/kafka-clients-4.3.1.jar')).toBe(
      'org.apache.kafka:kafka-clients:4.3.1',
    );
  });

  it('counts only what the repository gained since it was first looked at, partial downloads in the bytes', () => {
    const repo = join(dir, 'repository');
    put(repo, 'junit/junit/4.13/junit-4.13.jar', 5000);
    const watch = new RepositoryWatch(repo);
    expect(watch.growth()).toEqual({ jars: 0, poms: 0, bytes: 0 });
    put(repo, 'org/apache/kafka/kafka_2.13/4.3.1/kafka_2.13-4.3.1.pom', 1000);
    put(repo, 'org/apache/kafka/kafka_2.13/4.3.1/kafka_2.13-4.3.1.jar', 2000);
    put(repo, 'org/apache/kafka/kafka-server/4.3.1/kafka-server-4.3.1.jar.part', 3000);
    expect(watch.growth()).toMatchObject({ jars: 1, poms: 1, bytes: 6000 });
  });

  it('reports every few seconds from the fetch’s announcement until the next line, then sums it up', () => {
    jest.useFakeTimers();
    const repo = join(dir, 'repository'); // not there yet: Maven creates it
    const lines: string[] = [];
    const progress = withMavenProgress((l) => lines.push(l), { repo, intervalMs: 3000 });
    progress.log('Kafka is not running');
    jest.advanceTimersByTime(10_000);
    expect(lines).toEqual(['Kafka is not running']);

    progress.log('fetching Apache Kafka 4.3.1 jars from Maven Central (once)…');
    jest.advanceTimersByTime(3000);
    expect(lines[2]).toMatch(/^Maven: still resolving \(\d+ s\), nothing new in .*repository yet$/);
    put(repo, 'org/apache/kafka/kafka-clients/4.3.1/kafka-clients-4.3.1.jar', 2 * 1024 * 1024);
    jest.advanceTimersByTime(3000);
    expect(lines[3]).toMatch(
      /^Maven: 1 jar and 0 poms, 2\.0 MB fetched so far \(\d+ s\); latest org\.apache\.kafka:kafka-clients:4\.3\.1$/,
    );

    progress.log('Kafka 4.3.1 starting on 127.0.0.1:9092');
    expect(lines.slice(4)).toEqual([
      expect.stringMatching(/^Maven: 1 jar and 0 poms, 2\.0 MB fetched into .*repository in \d+ s$/),
      'Kafka 4.3.1 starting on 127.0.0.1:9092',
    ]);
    jest.advanceTimersByTime(10_000);
    progress.stop();
    expect(lines).toHaveLength(6);
  });
});
