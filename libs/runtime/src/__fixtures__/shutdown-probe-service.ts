import { RiskEngineService } from '@wxpay/contracts';

/**
 * The shutdown probe's one gRPC method (shutdown-service.ts serves it, shutdown.int-spec.ts calls it), borrowing
 * generated codecs (an empty request, a small response) under a path of its own.
 */
export const ShutdownProbeService = {
  hold: { ...RiskEngineService.getRuleSetStatus, path: '/wxpay.test.ShutdownProbe/Hold' as const },
};
