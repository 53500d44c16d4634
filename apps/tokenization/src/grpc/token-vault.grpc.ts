import { randomUUID } from 'crypto';
import { type CallContext, type UnaryHandler } from '@wxpay/grpc';
import { type CardQueryService } from '../cards/card-query.service';
import {
  type CardStatusService,
  type StatusChange,
  type TokenStatusRequest,
} from '../cards/card-status.service';
import { type DetokenizeRequest, type DetokenizeService } from '../cards/detokenize.service';
import { type TokenizeRequest, type TokenizeService } from '../cards/tokenize.service';
import { type Caller } from '../vault-deps';
import { actorOf, type DetokenizeAccessPolicy } from './detokenize-access';
import { toRpcError } from './vault-errors';

export const TOKEN_VAULT_SERVICE = 'gateway.tokenization.v1.TokenVault';

export interface TokenVaultServices {
  tokenize: TokenizeService;
  detokenize: DetokenizeService;
  status: CardStatusService;
  query: CardQueryService;
  access: DetokenizeAccessPolicy;
}

const TRACE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's trace id (metadata `x-trace-id`) when it sent a sane one, so events join the caller's trace. */
function callerOf(ctx: CallContext): Caller {
  const sent = ctx.metadata.get('x-trace-id')[0];
  const traceId = typeof sent === 'string' && TRACE_ID.test(sent) ? sent : randomUUID();
  return { actor: actorOf(ctx.peer), traceId };
}

function handler<Req, Res>(fn: (req: Req, ctx: CallContext) => Promise<Res>): UnaryHandler {
  return (async (req: Req, ctx: CallContext) => {
    try {
      return await fn(req, ctx);
    } catch (e) {
      throw toRpcError(e);
    }
  }) as UnaryHandler;
}

/** Handlers for gateway.tokenization.v1.TokenVault: requests arrive with proto field names and defaults. */
export function tokenVaultHandlers(s: TokenVaultServices): Record<string, UnaryHandler> {
  const status = (change: StatusChange) =>
    handler((req: TokenStatusRequest, ctx) => s.status.change(change, req, callerOf(ctx)));
  return {
    Tokenize: handler((req: TokenizeRequest, ctx) => s.tokenize.tokenize(req, callerOf(ctx))),
    Detokenize: handler((req: DetokenizeRequest, ctx) =>
      s.detokenize.detokenize(req, callerOf(ctx), s.access.decide(ctx.peer)),
    ),
    GetCard: handler((req: { token: string }) => s.query.getCard(req.token)),
    SuspendToken: status('suspend'),
    ResumeToken: status('resume'),
    DeleteToken: status('delete'),
    ListTokens: handler(async (req: { cardholder_ref: string; include_deleted: boolean }) => ({
      cards: await s.query.listTokens(req.cardholder_ref, req.include_deleted),
    })),
  };
}
