import { type INestApplication } from '@nestjs/common';
import { AutoRepaymentService, protoPath } from '@wxpay/contracts';
import { type ServiceGrpcEdge } from '@wxpay/runtime';
import { REPAYMENT_ERROR_STATUS } from '../errors';
import { type RepaymentRunOptions } from '../repayment-options';

/** Repayment's gRPC edge: AutoRepayment over mutual TLS (the same identity as its calls to the vault). */
export function repaymentGrpcEdge(_app: INestApplication, options: RepaymentRunOptions): ServiceGrpcEdge {
  const { REPAYMENT_GRPC_HOST, REPAYMENT_GRPC_PORT } = options.config;
  return {
    address: `${REPAYMENT_GRPC_HOST}:${REPAYMENT_GRPC_PORT}`,
    tls: options.tls,
    services: [AutoRepaymentService],
    protos: [protoPath('gateway/repayment/v1/repayment.proto')],
    errors: REPAYMENT_ERROR_STATUS,
  };
}
