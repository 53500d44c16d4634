import { status } from '@grpc/grpc-js';
import { Identities, TokenVaultService } from '@wxpay/contracts';
import { createServiceClient, isServiceError, type GrpcTlsConfig, type ServiceClient } from '@wxpay/grpc';
import {
  PermanentSuspensionError,
  type SuspendRequest,
  type TokenSuspender,
} from '../ports/token-suspender.port';

/** Refusals that retrying cannot change (unknown or deleted token, a request the vault calls invalid, not allowed). */
const PERMANENT = new Set<number>([
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.FAILED_PRECONDITION,
  status.PERMISSION_DENIED,
  status.ALREADY_EXISTS,
]);

/**
 * TokenVault.SuspendToken over the vault's typed client: mutual TLS with risk's own certificate (identity `risk`,
 * on SuspendToken's caller list), and the server must prove to be `spiffe://wxpay/tokenization`.
 */
export class TokenVaultAdapter implements TokenSuspender {
  private readonly client: ServiceClient<typeof TokenVaultService>;

  constructor(address: string, tls: GrpcTlsConfig, deadlineMs = 2000) {
    this.client = createServiceClient(TokenVaultService, {
      address,
      tls,
      server: Identities.tokenization,
      deadlineMs,
    });
  }

  async suspend(request: SuspendRequest): Promise<void> {
    try {
      await this.client.suspendToken({
        idempotency_key: request.idempotencyKey,
        token: request.token,
        reason: request.reason,
      });
    } catch (e) {
      if (isServiceError(e) && PERMANENT.has(e.code)) {
        throw new PermanentSuspensionError(`TokenVault refused: ${status[e.code]}`);
      }
      throw e;
    }
  }

  close(): void {
    this.client.close();
  }
}
