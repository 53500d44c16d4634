import { type INestApplication } from '@nestjs/common';
import { protoPath, RiskEngineService } from '@wxpay/contracts';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { type ServiceGrpcEdge } from '@wxpay/runtime';
import { RISK_ERROR_STATUS } from '../errors';
import { SERVICE_NAME, type RiskRunOptions } from '../risk-options';

/** Risk's gRPC edge: RiskEngine over mutual TLS (the same identity as its calls to the vault), its error table. */
export function riskGrpcEdge(_app: INestApplication, options: RiskRunOptions): ServiceGrpcEdge {
  return {
    address: options.config.grpcAddress,
    tls: grpcTlsFromEnv(SERVICE_NAME, options.env),
    services: [RiskEngineService],
    protos: [protoPath('gateway/risk/v1/risk.proto')],
    errors: RISK_ERROR_STATUS,
  };
}
