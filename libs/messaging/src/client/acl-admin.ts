import { type AclBinding } from '@wxpay/contracts';
import { type KafkaConnection } from '../kafka-connection';
import { clientOptions } from './client-options';
import { platformatic, type Platformatic } from './platformatic';

export interface AclSync {
  /** The bindings this call added. */
  created: AclBinding[];
  /** The bindings that were already there. */
  existing: AclBinding[];
}

const { ResourceTypes, ResourcePatternTypes, AclOperations, AclPermissionTypes } = platformatic;

function toAcl(b: AclBinding): Platformatic.Acl {
  return {
    resourceType: ResourceTypes[b.resourceType],
    resourceName: b.resourceName,
    resourcePatternType: ResourcePatternTypes[b.patternType],
    principal: b.principal,
    host: '*',
    operation: AclOperations[b.operation],
    permissionType: AclPermissionTypes.ALLOW,
  };
}

const keyOf = (a: Platformatic.Acl) =>
  [
    a.principal,
    a.host,
    a.resourceType,
    a.resourcePatternType,
    a.resourceName,
    a.operation,
    a.permissionType,
  ].join('\0');

/** Every ALLOW binding of these principals, as the brokers hold them. */
async function describeAllows(
  admin: Platformatic.Admin,
  principals: readonly string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const principal of principals) {
    const resources = await admin.describeAcls({
      filter: {
        resourceType: ResourceTypes.ANY,
        resourceName: null,
        resourcePatternType: ResourcePatternTypes.ANY,
        principal,
        host: null,
        operation: AclOperations.ANY,
        permissionType: AclPermissionTypes.ALLOW,
      },
    });
    for (const r of resources) {
      for (const acl of r.acls) found.add(keyOf({ ...r, ...acl }));
    }
  }
  return found;
}

/**
 * Makes the brokers hold `bindings` (ALLOW, any host): describes what the principals have, creates only what is
 * missing, so it can run on every start. It never removes a binding: the cluster may be shared by deployments with
 * other topic prefixes, whose bindings of the same principals it cannot tell from stale ones. `connection` must be
 * a super user or hold ALTER on the cluster (the dev PKI's kafka-admin).
 */
export async function ensureAcls(
  connection: KafkaConnection,
  bindings: readonly AclBinding[],
): Promise<AclSync> {
  const admin = new platformatic.Admin(clientOptions(connection, 'wxpay-acls'));
  try {
    const have = await describeAllows(admin, [...new Set(bindings.map((b) => b.principal))]);
    const created: AclBinding[] = [];
    const existing: AclBinding[] = [];
    for (const b of bindings) (have.has(keyOf(toAcl(b))) ? existing : created).push(b);
    if (created.length) await admin.createAcls({ creations: created.map(toAcl) });
    return { created, existing };
  } finally {
    await admin.close();
  }
}

/** Removes exactly these bindings (e.g. a test's own); returns how many the brokers deleted. */
export async function removeAcls(
  connection: KafkaConnection,
  bindings: readonly AclBinding[],
): Promise<number> {
  if (bindings.length === 0) return 0;
  const admin = new platformatic.Admin(clientOptions(connection, 'wxpay-acls'));
  try {
    return (await admin.deleteAcls({ filters: bindings.map(toAcl) })).length;
  } finally {
    await admin.close();
  }
}
