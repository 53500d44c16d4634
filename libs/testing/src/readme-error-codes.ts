import { status } from '@grpc/grpc-js';
import { readFileSync } from 'fs';
import { join } from 'path';
import { workspaceRoot } from './infra/workspace';

const ROW = /^\|\s*`([^`]+)`\s*\|\s*`([A-Z_]+)`\s*\|\s*`([A-Z_]+)`\s*\|/;

/**
 * The README's "Error codes" table (`| service | code | status | meaning |`) against a service's error table: each
 * difference as a line (a code missing from the README, documented with another status, or documented but gone),
 * so a test can expect `[]` and the README stays true.
 */
export function readmeErrorCodeMismatches(
  service: string,
  table: { readonly [code: string]: status },
  readme = readFileSync(join(workspaceRoot(), 'README.md'), 'utf8'),
): string[] {
  const documented = new Map<string, string>();
  for (const line of readme.split('\n')) {
    const m = ROW.exec(line);
    if (m && m[1] === service) documented.set(m[2]!, m[3]!);
  }
  const mismatches: string[] = [];
  for (const [code, s] of Object.entries(table)) {
    const name = status[s];
    const shown = documented.get(code);
    if (!shown) mismatches.push(`${service} ${code} (${name}) is not in the README`);
    else if (shown !== name) mismatches.push(`${service} ${code} is ${name}, the README says ${shown}`);
  }
  for (const code of documented.keys()) {
    if (!(code in table)) mismatches.push(`${service} ${code} is in the README but not in the table`);
  }
  return mismatches;
}
