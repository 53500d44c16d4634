import { readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { createMetrics } from '@wxpay/observability';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** A metric the code registers (by `metrics.counter|gauge|histogram({ name })`) or prom-client adds by default. */
export interface KnownMetric {
  name: string;
  type: MetricType;
  /** Where it is defined (a source file), or `prom-client` for the process metrics. */
  source: string;
}

/** Series every Prometheus target has without the code defining them. */
const SCRAPE_SERIES = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added'];

const REGISTRATION =
  /(?:\.|new\s+)(counter|gauge|histogram|Counter|Gauge|Histogram)\s*(?:<[^>]*>)?\(\s*\{\s*name:\s*(?:'([a-zA-Z_:][a-zA-Z0-9_:]*)'|([A-Z][A-Z0-9_]*))/g;
const NAME_CONSTANT = /\b([A-Z][A-Z0-9_]*)\s*=\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'generated') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (entry.endsWith('.ts') && !entry.endsWith('.spec.ts') && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/**
 * The metrics the services register, read from their sources (apps/<app>/src, libs/<lib>/src; tests excluded),
 * names given as literals or as a constant holding one, plus the process metrics prom-client's defaults add,
 * read from a live registry. Each name maps to its type, so a histogram's `_bucket`/`_sum`/`_count` are known.
 */
export function knownMetrics(root: string): Map<string, KnownMetric> {
  const files = ['apps', 'libs'].flatMap((top) =>
    readdirSync(join(root, top))
      .map((d) => join(root, top, d, 'src'))
      .filter((d) => {
        try {
          return statSync(d).isDirectory();
        } catch {
          return false;
        }
      })
      .flatMap((d) => sourceFiles(d)),
  );
  const texts = files.map((f) => ({ file: f.slice(root.length + 1), text: readFileSync(f, 'utf8') }));
  const constants = new Map<string, string>();
  for (const { text } of texts) for (const m of text.matchAll(NAME_CONSTANT)) constants.set(m[1]!, m[2]!);

  const known = new Map<string, KnownMetric>();
  for (const { file, text } of texts) {
    for (const m of text.matchAll(REGISTRATION)) {
      const name = m[2] ?? constants.get(m[3]!);
      if (name) known.set(name, { name, type: m[1]!.toLowerCase() as MetricType, source: file });
    }
  }
  const defaults = createMetrics({ service: 'names' }).registry.getMetricsAsArray();
  for (const metric of defaults) {
    const { name, type } = metric as unknown as { name: string; type: string };
    known.set(name, { name, type: type as MetricType, source: 'prom-client' });
  }
  for (const name of SCRAPE_SERIES) known.set(name, { name, type: 'gauge', source: 'prometheus' });
  return known;
}

/** Every series name a scrape can show: a histogram's and a summary's parts as well as the plain names. */
export function seriesNames(known: Map<string, KnownMetric>): Set<string> {
  const names = new Set<string>();
  for (const { name, type } of known.values()) {
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
