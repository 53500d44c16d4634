import type { Server } from '@grpc/grpc-js';
import { loadSync, PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath, ServingStatus } from 'grpc-health-check';

export type { ServingStatus };

/** Name of the whole-server entry in grpc.health.v1 (clients that do not ask for a particular service). */
export const WHOLE_SERVER = '';

export interface GrpcHealthControl {
  /** Every listed service and the whole server become SERVING (call once the app has finished starting). */
  setServing(): void;
  /** Every listed service and the whole server become NOT_SERVING (call first thing on shutdown). */
  setNotServing(): void;
  setStatus(service: string, status: ServingStatus): void;
}

export interface GrpcHealthReflectionOptions {
  /** Serve grpc.reflection (v1 and v1alpha). On by default; a deployment may turn it off to hide the schema. */
  reflection?: boolean;
}

export class UnknownGrpcServiceError extends Error {
  override readonly name = 'UnknownGrpcServiceError';
}

/**
 * Adds `grpc.health.v1.Health` and server reflection to a grpc-js server (for Nest: from the gRPC transport's
 * `onLoadPackageDefinition(pkg, server)` hook). Everything starts NOT_SERVING, so a peer never routes to a
 * server that has not finished starting. Reflection also describes the health service, so grpcurl can find it.
 *
 * @param serviceNames fully qualified names, e.g. `gateway.payments.v1.Payments`; each must be in the definition.
 */
export function addGrpcHealthAndReflection(
  server: Pick<Server, 'addService'>,
  packageDefinition: PackageDefinition,
  serviceNames: readonly string[],
  options: GrpcHealthReflectionOptions = {},
): GrpcHealthControl {
  const unknown = serviceNames.filter((name) => !(name in packageDefinition));
  if (unknown.length > 0) {
    throw new UnknownGrpcServiceError(`not in the package definition: ${unknown.join(', ')}`);
  }
  const names = [WHOLE_SERVER, ...serviceNames];
  const health = new HealthImplementation(Object.fromEntries(names.map((n) => [n, 'NOT_SERVING' as const])));
  health.addToServer(server);

  if (options.reflection !== false) {
    const healthDefinition = loadSync(healthProtoPath);
    new ReflectionService({ ...healthDefinition, ...packageDefinition }).addToServer(server);
  }

  const setAll = (status: ServingStatus) => names.forEach((n) => health.setStatus(n, status));
  return {
    setServing: () => setAll('SERVING'),
    setNotServing: () => setAll('NOT_SERVING'),
    setStatus: (service, status) => health.setStatus(service, status),
  };
}
