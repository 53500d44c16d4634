import { randomUUID } from 'crypto';
import {
  Decision,
  RiskEngineService,
  TokenVaultService,
  type DetokenizeResponse,
  type EvaluateRequest,
  type EvaluateResponse,
} from '@wxpay/contracts';
import { GrpcHost, GrpcStatus, type CallContext, type GrpcTlsConfig, type UnaryDispatch } from '@wxpay/grpc';
import { captureLogger } from '@wxpay/testing';

/** A status error as a gateway server answers it. */
const refusal = (code: GrpcStatus, details: string) => ({ code, details });

/** Every method of a definition answering UNIMPLEMENTED, but those given. */
function dispatchOf<S extends Record<string, unknown>>(
  definition: S,
  given: Partial<Record<keyof S, UnaryDispatch>>,
): Record<keyof S, UnaryDispatch> {
  const unimplemented: UnaryDispatch = async () => {
    throw refusal(GrpcStatus.UNIMPLEMENTED, 'not in the stand-in');
  };
  return Object.fromEntries(Object.keys(definition).map((k) => [k, given[k] ?? unimplemented])) as Record<
    keyof S,
    UnaryDispatch
  >;
}

/**
 * gateway.risk.v1.RiskEngine as a real gRPC server over mutual TLS (the generated codecs), answering what the
 * test decides. The real apps/risk is not started here: tests must decide REJECT / unavailable deterministically.
 */
export class RiskStandIn {
  port = 0;
  calls: EvaluateRequest[] = [];
  decide: (r: EvaluateRequest) => 'APPROVE' | 'REVIEW' | 'REJECT' = (r) =>
    r.amount_minor === '6666' ? 'REJECT' : 'APPROVE';
  delayMs = 0;
  private host?: GrpcHost;

  async start(tls: GrpcTlsConfig): Promise<this> {
    this.host = new GrpcHost({ logger: captureLogger('error').logger, tls }).addService(
      RiskEngineService,
      dispatchOf(RiskEngineService, {
        evaluate: async (request): Promise<EvaluateResponse> => {
          const req = request as EvaluateRequest;
          this.calls.push(req);
          if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
          const decision = this.decide(req);
          return {
            decision_id: randomUUID(),
            decision: Decision[decision],
            score: decision === 'APPROVE' ? 5 : 95,
            reasons:
              decision === 'APPROVE'
                ? []
                : [{ code: 'AMOUNT_BLOCKED', value: req.amount_minor, rule_id: 'r1', score: 95 }],
            rule_set_version: 'stand-in@1',
            evaluated_at: new Date().toISOString(),
          };
        },
      }),
    );
    this.port = await this.host.listen('127.0.0.1:0');
    return this;
  }

  async stop(): Promise<void> {
    await this.host?.stop(1000);
  }
}

/**
 * gateway.tokenization.v1.TokenVault's Detokenize over mutual TLS, admitting only the `payment` identity (as the
 * vault's caller table does). The real vault runs in e2e-real-services.
 */
export class VaultStandIn {
  port = 0;
  readonly cards = new Map<string, DetokenizeResponse>();
  detokenizations = 0;
  private host?: GrpcHost;

  async start(tls: GrpcTlsConfig): Promise<this> {
    this.host = new GrpcHost({ logger: captureLogger('error').logger, tls }).addService(
      TokenVaultService,
      dispatchOf(TokenVaultService, {
        detokenize: async (request, call: CallContext): Promise<DetokenizeResponse> => {
          if (call.peer?.service !== 'payment') throw refusal(GrpcStatus.PERMISSION_DENIED, 'not allowed');
          this.detokenizations++;
          const card = this.cards.get((request as { token: string }).token);
          if (!card) throw refusal(GrpcStatus.NOT_FOUND, 'no such token');
          return card;
        },
      }),
    );
    this.port = await this.host.listen('127.0.0.1:0');
    return this;
  }

  async stop(): Promise<void> {
    await this.host?.stop(1000);
  }
}
