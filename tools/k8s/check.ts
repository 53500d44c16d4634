/*
 * `npm run k8s:check`: the chart validated without a cluster. Renders deploy/helm/wxpay-gateway with helm
 * (template + lint) for the example bank's values (ci/bank-values.yaml), checks every object against the
 * Kubernetes JSON schemas (kubernetes-models: required fields, types, enums, formats), checks the chart's own
 * promises (chart-rules.ts), and that rendering without a bank's required values fails with a clear message.
 * Writes the manifests to .cache/k8s/rendered.yaml and prints the report.
 */
import { execFileSync, spawnSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { workspaceRoot } from '@wxpay/testing';
import { chartProblems, allowedGrpcEdges, type K8sObject } from './chart-rules';
import { ensureHelm } from './helm-binary';

const log = (line: string) => console.log(`[k8s:check] ${line}`);

/** kubernetes-models' class for an apiVersion/kind ("apps/v1" → kubernetes-models/apps/v1, "v1" → …/v1). */
function validateObject(o: K8sObject): string | undefined {
  let models: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    models = require(`kubernetes-models/${o.apiVersion}`) as Record<string, unknown>;
  } catch {
    return `${o.kind} ${o.metadata.name}: unknown apiVersion ${o.apiVersion}`;
  }
  const Model = models[o.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (!Model) return `${o.kind} ${o.metadata.name}: ${o.apiVersion} has no kind ${o.kind}`;
  try {
    new Model(o).validate();
    return undefined;
  } catch (e) {
    return `${o.kind} ${o.metadata.name}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

async function main(): Promise<void> {
  const root = workspaceRoot();
  const chart = join(root, 'deploy/helm/wxpay-gateway');
  const values = join(chart, 'ci/bank-values.yaml');
  const helm = ensureHelm(root, log);
  log(execFileSync(helm, ['version', '--short']).toString().trim());

  execFileSync(helm, ['lint', '--strict', chart, '-f', values], { stdio: 'pipe' });
  log('helm lint --strict: passed');
  const rendered = execFileSync(helm, ['template', 'wxpay', chart, '-f', values, '--namespace', 'wxpay'], {
    maxBuffer: 32 * 1024 * 1024,
  }).toString();
  const out = join(root, '.cache/k8s');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'rendered.yaml'), rendered);

  const objects = parseAllDocuments(rendered)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => !!o);
  const counts = new Map<string, number>();
  for (const o of objects)
    counts.set(`${o.apiVersion} ${o.kind}`, (counts.get(`${o.apiVersion} ${o.kind}`) ?? 0) + 1);
  log(`rendered ${objects.length} objects to ${join(out, 'rendered.yaml')}:`);
  for (const [k, n] of [...counts].sort()) console.log(`  ${String(n).padStart(3)}  ${k}`);

  const schemaProblems = objects.map(validateObject).filter((p): p is string => !!p);
  log(
    `Kubernetes schemas (kubernetes-models): ${objects.length - schemaProblems.length} of ${objects.length} objects valid`,
  );
  const ruleProblems = chartProblems(objects);
  log(
    `gRPC edges the NetworkPolicies allow: ${allowedGrpcEdges(objects.filter((o) => o.kind === 'NetworkPolicy')).join(', ')}`,
  );

  // Without the bank's values the chart must refuse to render, naming what is missing.
  const bare = spawnSync(helm, ['template', 'wxpay', chart], { encoding: 'utf8' });
  const refusal =
    bare.status !== 0 && /is required/.test(bare.stderr)
      ? undefined
      : 'rendering without values did not fail with "… is required"';
  if (!refusal)
    log(`without a bank's values: refused (${bare.stderr.split('\n').find((l) => /is required/.test(l))})`);

  const problems = [...schemaProblems, ...ruleProblems, ...(refusal ? [refusal] : [])];
  for (const p of problems) console.error(`  ✗ ${p}`);
  if (problems.length) {
    console.error(`k8s:check: ${problems.length} problem(s)`);
    process.exit(1);
  }
  log(`chart rules: all ${objects.length} objects pass`);
}

main().catch((e: unknown) => {
  console.error(`[k8s:check] ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
