import { type PeerIdentity } from '@wxpay/grpc';
import { type DetokenizeAccess } from '../cards/detokenize.service';
import { Reasons } from '../errors';

/**
 * Who may detokenize: callers whose mutual-TLS client certificate (verified against the cluster CA by the TLS
 * layer) has a common name on the allow-list. On a plaintext server nobody may, unless the development flag
 * TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE is on.
 */
export class DetokenizeAccessPolicy {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    allowList: readonly string[],
    private readonly tls: boolean,
    private readonly allowPlaintext: boolean,
  ) {
    this.allowed = new Set(allowList);
  }

  decide(peer: PeerIdentity | undefined): DetokenizeAccess {
    if (!this.tls) {
      return this.allowPlaintext
        ? { allowed: true }
        : {
            allowed: false,
            reason: Reasons.plaintextDetokenize,
            message: 'detokenize needs a mutual-TLS connection (this server runs without TLS)',
          };
    }
    if (peer && this.allowed.has(peer.commonName)) return { allowed: true };
    return {
      allowed: false,
      reason: Reasons.notOnAllowList,
      message: `detokenize is limited to the allow-listed services; ${peer ? `'${peer.commonName}'` : 'this caller'} is not one`,
    };
  }
}

/** The audit/idempotency identity of a caller. */
export function actorOf(peer: PeerIdentity | undefined): string {
  return peer ? `cn:${peer.commonName}` : 'plaintext';
}
