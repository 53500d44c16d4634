import { type Client, type ServiceError } from '@grpc/grpc-js';
import { protoPath } from '@wxpay/contracts';
import {
  createGrpcClient,
  GrpcStatus,
  isServiceError,
  loadProtos,
  unaryCall,
  type GrpcTlsConfig,
} from '@wxpay/grpc';

export interface SuspendRequest {
  token: string;
  reason: string;
  /** The same key for every retry of one suspension: the vault answers a repeat with the first result. */
  idempotencyKey: string;
}

/** How the engine asks the vault to suspend a card token (TokenVault.SuspendToken). */
export interface TokenSuspender {
  suspend(request: SuspendRequest): Promise<void>;
}

/** A refusal that retrying cannot change (unknown or deleted token, a request the vault calls invalid). */
export class PermanentSuspensionError extends Error {
  override readonly name = 'PermanentSuspensionError';
}

const PERMANENT = new Set<number>([
  GrpcStatus.INVALID_ARGUMENT,
  GrpcStatus.NOT_FOUND,
  GrpcStatus.FAILED_PRECONDITION,
  GrpcStatus.PERMISSION_DENIED,
  GrpcStatus.ALREADY_EXISTS,
]);

/** TokenVault over gRPC (mutual TLS with the risk service's own certificate). */
export class GrpcTokenSuspender implements TokenSuspender {
  private readonly client: Client;

  constructor(
    address: string,
    tls: GrpcTlsConfig,
    private readonly deadlineMs = 2000,
  ) {
    const pkg = loadProtos([protoPath('gateway/tokenization/v1/tokenization.proto')]);
    this.client = createGrpcClient(pkg, 'gateway.tokenization.v1.TokenVault', address, tls);
  }

  async suspend(request: SuspendRequest): Promise<void> {
    try {
      await unaryCall(
        this.client,
        'SuspendToken',
        { idempotency_key: request.idempotencyKey, token: request.token, reason: request.reason },
        { deadlineMs: this.deadlineMs },
      );
    } catch (e) {
      if (isServiceError(e) && PERMANENT.has((e as ServiceError).code)) {
        throw new PermanentSuspensionError(`TokenVault refused: ${GrpcStatus[(e as ServiceError).code]}`);
      }
      throw e;
    }
  }

  close(): void {
    this.client.close();
  }
}
