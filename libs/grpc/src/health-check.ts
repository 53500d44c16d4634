import { service as healthService } from 'grpc-health-check';
import { type UnaryMethodDefinition } from './service-definition';

export interface HealthCheckRequest {
  /** A fully qualified service name (`gateway.payment.v1.Payments`); empty for the whole server. */
  service: string;
}

export interface HealthCheckResponse {
  /** The enum's name, as grpc-health-check's codec decodes it. */
  status: 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
}

/**
 * `grpc.health.v1.Health/Check` as a typed definition for `createServiceClient` (probes, benchmarks, tests), so a
 * health check checks the server's identity like every other call. The codecs are grpc-health-check's own (the one
 * the servers answer with); `Watch` and `List` are left out (streaming, or not needed by any caller).
 */
export const HealthCheckService = {
  check: healthService.Check as unknown as UnaryMethodDefinition<HealthCheckRequest, HealthCheckResponse>,
} as const;
