import { Inject, UseFilters } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  Identities,
  TokenVaultService,
  type CardView,
  type DetokenizeRequest,
  type DetokenizeResponse,
  type GetCardRequest,
  type ListTokensRequest,
  type ListTokensResponse,
  type TokenizeRequest,
  type TokenizeResponse,
  type TokenStatusRequest,
} from '@wxpay/contracts';
import { Callers, GrpcService, Idempotent, type CallContext, type GrpcController } from '@wxpay/grpc';
import { CardQueryService } from '../use-cases/card-query.service';
import { CardStatusService, type StatusChange } from '../use-cases/card-status.service';
import { DetokenizeService } from '../use-cases/detokenize.service';
import { TokenizeService } from '../use-cases/tokenize.service';
import { VAULT_OPTIONS, type VaultRunOptions } from '../vault-options';
import { callerOf } from './caller';
import { VaultRefusalFilter } from './vault-refusal.filter';

const { channel, console: operations, payment, repayment, risk } = Identities;

/**
 * A key names one call of any vault method (a key reused for another method is a conflict); requests are
 * fingerprinted with the vault's keyed hash; a replay is answered by the use case, which audits it.
 */
const KEYED = { operation: 'TokenVault', keyed: true, replayFirst: false } as const;

/**
 * gateway.tokenization.v1.TokenVault. Who may call what: binding a card is the bank channel's; the card number
 * goes back only to the services that send it to the card network (payment, repayment); risk may suspend a token
 * on a severe alert; masked views are open to every service that handles tokens. The CVN2 is never part of an
 * idempotency fingerprint.
 */
@GrpcService(TokenVaultService)
@UseFilters(VaultRefusalFilter)
export class TokenVaultController implements GrpcController<typeof TokenVaultService> {
  constructor(
    private readonly tokenizer: TokenizeService,
    private readonly detokenizer: DetokenizeService,
    private readonly status: CardStatusService,
    private readonly query: CardQueryService,
    @Inject(VAULT_OPTIONS) private readonly options: VaultRunOptions,
  ) {}

  @Callers(channel)
  @Idempotent({ ...KEYED, exclude: ['cvn2'] })
  tokenize(@Payload() request: TokenizeRequest, @Ctx() call: CallContext): Promise<TokenizeResponse> {
    return this.tokenizer.tokenize(request, callerOf(call), call.idempotency!);
  }

  @Callers(payment, repayment)
  detokenize(@Payload() request: DetokenizeRequest, @Ctx() call: CallContext): Promise<DetokenizeResponse> {
    return this.detokenizer.detokenize(request, callerOf(call), {
      tls: this.options.config.grpc.tls,
      plaintextAllowed: this.options.config.allowPlaintextDetokenize,
    });
  }

  @Callers(channel, operations, payment, repayment, risk)
  getCard(@Payload() request: GetCardRequest): Promise<CardView> {
    return this.query.getCard(request.token);
  }

  @Callers(channel, operations, risk)
  @Idempotent(KEYED)
  suspendToken(@Payload() request: TokenStatusRequest, @Ctx() call: CallContext): Promise<CardView> {
    return this.changeStatus('suspend', request, call);
  }

  @Callers(channel, operations)
  @Idempotent(KEYED)
  resumeToken(@Payload() request: TokenStatusRequest, @Ctx() call: CallContext): Promise<CardView> {
    return this.changeStatus('resume', request, call);
  }

  @Callers(channel, operations)
  @Idempotent(KEYED)
  deleteToken(@Payload() request: TokenStatusRequest, @Ctx() call: CallContext): Promise<CardView> {
    return this.changeStatus('delete', request, call);
  }

  @Callers(channel, operations)
  async listTokens(@Payload() request: ListTokensRequest): Promise<ListTokensResponse> {
    return { cards: await this.query.listTokens(request.cardholder_ref, request.include_deleted) };
  }

  private changeStatus(change: StatusChange, request: TokenStatusRequest, call: CallContext) {
    return this.status.change(change, request, callerOf(call), call.idempotency!);
  }
}
