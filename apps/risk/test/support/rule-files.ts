import { copyFileSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DEFAULT_RULES_FILE } from './engine-fixtures';

type RuleDoc = { version: string; rules: { id: string; when: unknown; action: string }[] } & Record<
  string,
  unknown
>;

/** A scratch folder holding a live rule file that tests rewrite (atomically, as a deployment would). */
export function scratchRules(): {
  dir: string;
  live: string;
  write(doc: unknown): void;
  writeText(text: string): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'risk-rules-'));
  const live = join(dir, 'live.json');
  copyFileSync(DEFAULT_RULES_FILE, live);
  const writeText = (text: string) => {
    const tmp = join(dir, `.live-${process.hrtime.bigint()}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, live);
  };
  return { dir, live, writeText, write: (doc) => writeText(JSON.stringify(doc, null, 2)) };
}

/** The default rules with a new version where coffee shops (MCC 5814) are prohibited: an easy-to-see change. */
export function defaultsWithCoffeeBanned(version: string): RuleDoc {
  const doc = JSON.parse(readFileSync(DEFAULT_RULES_FILE, 'utf8')) as RuleDoc;
  doc.version = version;
  const mcc = doc.rules.find((r) => r.id === 'mcc-prohibited')!;
  (mcc.when as { in: [unknown, string[]] }).in[1].push('5814');
  return doc;
}
