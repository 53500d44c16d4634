import { type INestApplication } from '@nestjs/common';
import { PaymentsService, protoPath } from '@wxpay/contracts';
import { type ServiceGrpcEdge } from '@wxpay/runtime';
import { PAYMENT_ERROR_STATUS } from '../errors';
import { type PaymentRunOptions } from '../payment-options';

/** Payment's gRPC edge: Payments over mutual TLS (the same identity as its calls to risk and the vault). */
export function paymentGrpcEdge(_app: INestApplication, options: PaymentRunOptions): ServiceGrpcEdge {
  const { PAYMENT_GRPC_HOST, PAYMENT_GRPC_PORT } = options.config;
  return {
    address: `${PAYMENT_GRPC_HOST}:${PAYMENT_GRPC_PORT}`,
    tls: options.tls,
    services: [PaymentsService],
    protos: [protoPath('gateway/payment/v1/payment.proto')],
    errors: PAYMENT_ERROR_STATUS,
  };
}
