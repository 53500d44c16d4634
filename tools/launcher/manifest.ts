import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';

/**
 * Each app describes how the launcher runs it in its own `apps/<app>/launch.json`, so adding an app to
 * `npm start` never means editing the launcher.
 */
export interface AppManifest {
  name: string;
  /** TypeScript entry point, relative to the workspace root. */
  entry: string;
  /** Start order: lower first (simulators before the services that call them). */
  order: number;
  /** Infrastructure the app needs before it starts. */
  needs: ('postgres' | 'kafka' | 'pki')[];
  /** Defaults; the launcher's own environment wins over them. */
  env: Record<string, string>;
  /** How the launcher knows the app is up. */
  ready: { http?: string; tcp?: string };
  /** Optional: a script run to completion before the app starts (database migrations). */
  migrate?: string;
  /** Shown in the table the launcher prints. */
  endpoints?: Record<string, string>;
}

export function readManifests(root: string): AppManifest[] {
  const appsDir = join(root, 'apps');
  if (!existsSync(appsDir)) return [];
  return readdirSync(appsDir)
    .map((dir) => join(appsDir, dir, 'launch.json'))
    .filter((file) => existsSync(file))
    .map((file) => validate(JSON.parse(readFileSync(file, 'utf8')), file))
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

function validate(m: Partial<AppManifest>, file: string): AppManifest {
  const problems: string[] = [];
  if (typeof m.name !== 'string' || !m.name) problems.push('name is required');
  if (typeof m.entry !== 'string' || !m.entry.endsWith('.ts')) problems.push('entry must be a .ts path');
  if (!m.ready || (!m.ready.http && !m.ready.tcp)) problems.push('ready.http or ready.tcp is required');
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return { order: 100, needs: [], env: {}, ...m } as AppManifest;
}
