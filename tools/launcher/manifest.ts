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
  /**
   * A stand-in for a counterparty (UnionPay, WeChat Pay): its certificate comes from the counterparty CA
   * (`sim-ca`), which no service accepts as a caller, instead of the services CA.
   */
  simulator: boolean;
  /**
   * Other apps it cannot work without (each with a lower `order`, so already running when it starts);
   * `npm start -- --only <app>` starts them too.
   */
  requires: string[];
  /** Defaults; the launcher's own environment wins over them. */
  env: Record<string, string>;
  /** How the launcher knows the app is up. */
  ready: { http?: string; tcp?: string };
  /** Optional: a script run to completion before the app starts (database migrations), as the schema's owner. */
  migrate?: string;
  /**
   * Optional: the database role the app runs as, apart from the owner that migrates (its migrate script creates
   * the role and grants its rights); the launcher connects the app with this user.
   */
  databaseRole?: string;
  /** Shown in the table the launcher prints. */
  endpoints?: Record<string, string>;
}

export function readManifests(root: string): AppManifest[] {
  const appsDir = join(root, 'apps');
  if (!existsSync(appsDir)) return [];
  const files = new Map<AppManifest, string>();
  const manifests = readdirSync(appsDir)
    .map((dir) => join(appsDir, dir, 'launch.json'))
    .filter((file) => existsSync(file))
    .map((file) => {
      const m = validate(JSON.parse(readFileSync(file, 'utf8')), file);
      files.set(m, file);
      return m;
    })
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  checkRequires(manifests, files);
  return manifests;
}

/** `requires` must name apps that exist and start earlier, or the launcher would wait for them forever. */
function checkRequires(manifests: AppManifest[], files: Map<AppManifest, string>): void {
  const byName = new Map(manifests.map((m) => [m.name, m]));
  for (const m of manifests) {
    const problems = m.requires.flatMap((name) => {
      const required = byName.get(name);
      if (!required) return [`requires unknown app ${name}`];
      if (required.order >= m.order) return [`requires ${name}, whose order ${required.order} is not lower`];
      return [];
    });
    if (problems.length) throw new Error(`${files.get(m)}: ${problems.join('; ')}`);
  }
}

/**
 * The apps `--only` names plus, transitively, the apps they require, in start order; every app without `only`.
 * `added` lists the required ones the operator did not name, so the launcher can say why they start.
 */
export function selectApps(
  manifests: AppManifest[],
  only?: string[],
): { apps: AppManifest[]; added: string[] } {
  if (!only) return { apps: manifests, added: [] };
  const byName = new Map(manifests.map((m) => [m.name, m]));
  const unknown = only.filter((name) => !byName.has(name));
  if (unknown.length) {
    throw new Error(
      `--only: no app named ${unknown.join(', ')} (apps: ${manifests.map((m) => m.name).join(', ')})`,
    );
  }
  const wanted = new Set<string>();
  const visit = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const r of byName.get(name)!.requires) visit(r);
  };
  only.forEach(visit);
  const apps = manifests.filter((m) => wanted.has(m.name));
  return { apps, added: apps.map((m) => m.name).filter((name) => !only.includes(name)) };
}

function validate(m: Partial<AppManifest>, file: string): AppManifest {
  const problems: string[] = [];
  if (typeof m.name !== 'string' || !m.name) problems.push('name is required');
  if (typeof m.entry !== 'string' || !m.entry.endsWith('.ts')) problems.push('entry must be a .ts path');
  if (!m.ready || (!m.ready.http && !m.ready.tcp)) problems.push('ready.http or ready.tcp is required');
  if (
    m.requires !== undefined &&
    (!Array.isArray(m.requires) || m.requires.some((r) => typeof r !== 'string'))
  )
    problems.push('requires must be a list of app names');
  if (m.simulator !== undefined && typeof m.simulator !== 'boolean')
    problems.push('simulator must be true or false');
  if (m.databaseRole !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(m.databaseRole))
    problems.push('databaseRole must be a lower-case SQL identifier');
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return { order: 100, needs: [], requires: [], env: {}, simulator: false, ...m } as AppManifest;
}
