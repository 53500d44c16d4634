import { type CallContext, type PeerIdentity } from '@wxpay/grpc';
import { type Caller } from '../vault-deps';

/** The audit log's and the events' name of a caller: `cn:<client-certificate CN>`, `plaintext` without TLS. */
export function actorOf(peer: PeerIdentity | undefined): string {
  return peer ? `cn:${peer.commonName}` : 'plaintext';
}

export function callerOf(call: CallContext): Caller {
  return { actor: actorOf(call.peer), traceId: call.traceId };
}
