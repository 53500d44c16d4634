/**
 * What the chart promises, checked on the rendered objects (beyond the Kubernetes schemas): probes on the health
 * endpoints, headless gRPC Services, a PodDisruptionBudget, an autoscaler and a migration hook per service, the
 * reconciliation CronJob, resources and hardening on every container, no inlined secret, Kafka over TLS and the
 * event-signing settings in every service, and NetworkPolicies that allow exactly the architecture's gRPC edges
 * behind a default deny.
 */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/** The architecture's service-to-service gRPC edges (ARCHITECTURE.md; the README's diagram). */
export const EXPECTED_GRPC_EDGES = [
  'payment → risk',
  'payment → tokenization',
  'reconciliation → payment',
  'repayment → tokenization',
  'risk → tokenization',
];

type Pod = {
  securityContext?: { runAsNonRoot?: boolean };
  automountServiceAccountToken?: boolean;
  containers: Container[];
};
type Container = {
  name: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  resources?: { requests?: object; limits?: object };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
};
type Selector = { matchLabels?: Record<string, string> };
type Peer = { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: object };
type PolicyRule = { from?: Peer[]; to?: Peer[]; ports?: { port: number }[] };

const component = (o: { metadata: { labels?: Record<string, string> } }) =>
  o.metadata.labels?.['app.kubernetes.io/component'] ?? '?';

/** The pod template of a workload (Deployment, Job, CronJob). */
function podOf(o: K8sObject): Pod | undefined {
  const spec = o.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (o.kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  if (o.kind === 'Deployment' || o.kind === 'Job') return spec?.template?.spec;
  return undefined;
}

/** What every service needs for the secured event backbone (README: Kafka, Signed events). */
const KAFKA_AND_SIGNING_ENV = [
  'KAFKA_BROKERS',
  'KAFKA_SECURITY_PROTOCOL',
  'EVENT_SIGNING_KEY_FILE',
  'EVENT_SIGNING_KEY_ID',
  'EVENT_SIGNERS_FILE',
];

/** A secret-looking setting with a literal value instead of a file path or a Secret reference. */
const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|SHARE\d*|APIV3_KEY|PRIVATE_KEY|DATABASE_URL)$/;

export function chartProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const deployments = byKind('Deployment');
  const services = deployments.map(component);
  if (deployments.length === 0) problems.push('no Deployment rendered');

  for (const o of byKind('Secret'))
    problems.push(`Secret ${o.metadata.name} is rendered: secrets are referenced, never inlined`);

  for (const o of objects) {
    const pod = podOf(o);
    if (!pod) continue;
    const where = `${o.kind} ${o.metadata.name}`;
    if (!pod.securityContext?.runAsNonRoot) problems.push(`${where}: runAsNonRoot is not set`);
    if (pod.automountServiceAccountToken !== false) problems.push(`${where}: mounts a service account token`);
    for (const c of pod.containers) {
      if (!c.resources?.requests || !c.resources?.limits)
        problems.push(`${where}/${c.name}: no resource requests and limits`);
      if (!c.securityContext?.readOnlyRootFilesystem || c.securityContext.allowPrivilegeEscalation !== false)
        problems.push(`${where}/${c.name}: root file system writable or privilege escalation allowed`);
      for (const e of c.env ?? [])
        if (SECRET_NAME.test(e.name) && e.value !== undefined)
          problems.push(`${where}/${c.name}: ${e.name} has an inline value (use a Secret)`);
      if (o.kind === 'Deployment') {
        // Every service reaches Kafka encrypted and signs (and checks) the events it publishes (consumes).
        const env = new Map((c.env ?? []).map((e) => [e.name, e.value]));
        for (const name of KAFKA_AND_SIGNING_ENV) if (!env.has(name)) problems.push(`${where}: no ${name}`);
        if (env.get('KAFKA_SECURITY_PROTOCOL') === 'PLAINTEXT')
          problems.push(`${where}: Kafka in the clear (KAFKA_SECURITY_PROTOCOL=PLAINTEXT)`);
        const ready = c.readinessProbe?.httpGet;
        const live = c.livenessProbe?.httpGet;
        if (ready?.path !== '/health/ready' || ready.port !== 'http')
          problems.push(`${where}: readiness probe is not GET /health/ready on http`);
        if (live?.path !== '/health/live' || live.port !== 'http')
          problems.push(`${where}: liveness probe is not GET /health/live on http`);
      }
    }
  }

  for (const service of services) {
    const named = (kind: string) => byKind(kind).filter((o) => component(o) === service);
    const grpc = byKind('Service').find((o) => o.metadata.name.endsWith(`${service}-grpc`));
    if ((grpc?.spec as { clusterIP?: string } | undefined)?.clusterIP !== 'None')
      problems.push(`${service}: no headless gRPC Service`);
    if (named('PodDisruptionBudget').length !== 1) problems.push(`${service}: no PodDisruptionBudget`);
    if (named('HorizontalPodAutoscaler').length !== 1)
      problems.push(`${service}: no HorizontalPodAutoscaler`);
    const migrate = byKind('Job').find((o) => component(o) === `${service}-migrate`);
    const hook = migrate?.metadata.annotations?.['helm.sh/hook'] ?? '';
    if (!hook.includes('pre-install') || !hook.includes('pre-upgrade'))
      problems.push(`${service}: no migration Job run as a pre-install/pre-upgrade hook`);
  }
  const cron = byKind('CronJob').find((o) =>
    podOf(o)?.containers.some((c) => c.command?.join(' ').includes('reconcile.js')),
  );
  if (!cron) problems.push('no reconciliation CronJob');

  problems.push(...networkPolicyProblems(byKind('NetworkPolicy'), objects));
  return problems;
}

/** The gRPC edges the NetworkPolicies allow between the release's own workloads, "caller → callee". */
export function allowedGrpcEdges(policies: K8sObject[]): string[] {
  const edges = new Set<string>();
  for (const p of policies) {
    const spec = p.spec as { podSelector: Selector; ingress?: PolicyRule[] };
    const callee = spec.podSelector.matchLabels?.['app.kubernetes.io/component'];
    for (const rule of spec.ingress ?? [])
      for (const peer of rule.from ?? []) {
        const caller = peer.podSelector?.matchLabels?.['app.kubernetes.io/component'];
        if (caller && callee && !peer.namespaceSelector) edges.add(`${caller} → ${callee}`);
      }
  }
  return [...edges].sort();
}

function networkPolicyProblems(policies: K8sObject[], objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const deny = policies.find((p) => {
    const spec = p.spec as {
      podSelector: Selector;
      policyTypes: string[];
      ingress?: unknown[];
      egress?: unknown[];
    };
    return (
      spec.policyTypes.includes('Ingress') &&
      spec.policyTypes.includes('Egress') &&
      !spec.ingress?.length &&
      !spec.egress?.length &&
      !spec.podSelector.matchLabels?.['app.kubernetes.io/component']
    );
  });
  if (!deny) problems.push('no default-deny NetworkPolicy for the release');
  const edges = allowedGrpcEdges(policies);
  if (JSON.stringify(edges) !== JSON.stringify(EXPECTED_GRPC_EDGES))
    problems.push(
      `NetworkPolicies allow gRPC edges [${edges.join(', ')}], expected [${EXPECTED_GRPC_EDGES.join(', ')}]`,
    );
  for (const p of policies)
    for (const rule of [
      ...((p.spec as { ingress?: PolicyRule[] }).ingress ?? []),
      ...((p.spec as { egress?: PolicyRule[] }).egress ?? []),
    ])
      if (
        ('from' in rule && !rule.from?.length) ||
        ('to' in rule && !rule.to?.length) ||
        (!('from' in rule) && !('to' in rule))
      )
        problems.push(`NetworkPolicy ${p.metadata.name}: a rule without peers allows everyone`);
  // Every workload is covered by a policy of its own (besides the default deny).
  const covered = new Set(
    policies.map(
      (p) => (p.spec as { podSelector: Selector }).podSelector.matchLabels?.['app.kubernetes.io/component'],
    ),
  );
  for (const o of objects)
    if (podOf(o) && !covered.has(component(o)))
      problems.push(`${o.kind} ${o.metadata.name}: no NetworkPolicy of its own`);
  return problems;
}
