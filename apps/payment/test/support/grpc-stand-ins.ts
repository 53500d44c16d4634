import { randomUUID } from 'crypto';
import { protoPath } from '@wxpay/contracts';
import { GrpcServer, GrpcStatus, type GrpcTlsConfig, loadProtos, RpcError } from '@wxpay/grpc';
import { captureLogger } from '@wxpay/testing';

type Req = Record<string, unknown>;

/**
 * gateway.risk.v1.RiskEngine as a real gRPC server over mutual TLS, answering what the test decides. The real
 * apps/risk is not started here: tests must decide REJECT / unavailable deterministically.
 */
export class RiskStandIn {
  port = 0;
  calls: Req[] = [];
  decide: (r: Req) => 'APPROVE' | 'REVIEW' | 'REJECT' = (r) =>
    r.amount_minor === '6666' ? 'REJECT' : 'APPROVE';
  delayMs = 0;
  private server?: GrpcServer;

  async start(tls: GrpcTlsConfig): Promise<this> {
    const unimplemented = async () => {
      throw new RpcError(GrpcStatus.UNIMPLEMENTED, 'not in the stand-in');
    };
    this.server = new GrpcServer({
      packageDefinition: loadProtos([protoPath('gateway/risk/v1/risk.proto')]),
      logger: captureLogger('error').logger,
      tls,
    }).addService('gateway.risk.v1.RiskEngine', {
      Evaluate: async (req: Req) => {
        this.calls.push(req);
        if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
        const decision = this.decide(req);
        return {
          decision_id: randomUUID(),
          decision,
          score: decision === 'APPROVE' ? 5 : 95,
          reasons:
            decision === 'APPROVE'
              ? []
              : [{ code: 'AMOUNT_BLOCKED', value: String(req.amount_minor), rule_id: 'r1', score: 95 }],
          rule_set_version: 'stand-in@1',
          evaluated_at: new Date().toISOString(),
        };
      },
      ListReviews: unimplemented,
      ClaimReview: unimplemented,
      ResolveReview: unimplemented,
      PutListEntry: unimplemented,
      DeleteListEntry: unimplemented,
      ListListEntries: unimplemented,
      ReloadRules: unimplemented,
      GetRuleSetStatus: unimplemented,
    });
    this.port = await this.server.listen('127.0.0.1:0');
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop(1000);
  }
}

/**
 * gateway.tokenization.v1.TokenVault's Detokenize over mutual TLS, allowing only the `payment` client certificate
 * (as the vault's allow-list does). Stand-in until apps/tokenization can be started from a test.
 */
export class VaultStandIn {
  port = 0;
  readonly cards = new Map<string, { pan: string; expiry_month: string; expiry_year: string }>();
  detokenizations = 0;
  private server?: GrpcServer;

  async start(tls: GrpcTlsConfig): Promise<this> {
    const unimplemented = async () => {
      throw new RpcError(GrpcStatus.UNIMPLEMENTED, 'not in the stand-in');
    };
    this.server = new GrpcServer({
      packageDefinition: loadProtos([protoPath('gateway/tokenization/v1/tokenization.proto')]),
      logger: captureLogger('error').logger,
      tls,
    }).addService('gateway.tokenization.v1.TokenVault', {
      Detokenize: async (req: Req, ctx) => {
        if (ctx.peer?.commonName !== 'payment')
          throw new RpcError(GrpcStatus.PERMISSION_DENIED, 'not allowed');
        this.detokenizations++;
        const card = this.cards.get(String(req.token));
        if (!card) throw new RpcError(GrpcStatus.NOT_FOUND, 'no such token');
        return card;
      },
      Tokenize: unimplemented,
      GetCard: unimplemented,
      SuspendToken: unimplemented,
      ResumeToken: unimplemented,
      DeleteToken: unimplemented,
      ListTokens: unimplemented,
    });
    this.port = await this.server.listen('127.0.0.1:0');
    return this;
  }

  async stop(): Promise<void> {
    await this.server?.stop(1000);
  }
}
