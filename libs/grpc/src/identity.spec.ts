import { TLSSocket } from 'tls';
import { callerScope, peerIdentity } from './identity';

/** A call as grpc-js hands it to a handler: its auth context, and (privately) the HTTP/2 session it came on. */
function fakeCall(session: object | undefined, commonName: string | undefined) {
  const getAuthContext = jest.fn(() => ({
    transportSecurityType: 'ssl',
    sslPeerCertificate: commonName
      ? {
          subject: { CN: commonName },
          subjectaltname: `DNS:${commonName}.internal, IP Address:127.0.0.1`,
          fingerprint256: `fp-${commonName}`,
        }
      : undefined,
  }));
  return { getAuthContext, call: { stream: { session } } } as unknown as Parameters<
    typeof peerIdentity
  >[0] & {
    getAuthContext: typeof getAuthContext;
  };
}

const tlsSession = () => ({ socket: Object.create(TLSSocket.prototype) as TLSSocket });

describe('peerIdentity', () => {
  it('reads the certificate once per connection and hands later calls the same identity', () => {
    const session = tlsSession();
    const first = fakeCall(session, 'payment');
    const second = fakeCall(session, 'payment');
    expect(peerIdentity(first)).toEqual({
      commonName: 'payment',
      dnsNames: ['payment.internal'],
      fingerprint256: 'fp-payment',
    });
    expect(peerIdentity(second)).toBe(peerIdentity(first));
    expect(first.getAuthContext).toHaveBeenCalledTimes(1);
    expect(second.getAuthContext).not.toHaveBeenCalled();
  });

  it('never hands one connection the identity of another, even from the same address', () => {
    const a = tlsSession();
    const b = tlsSession();
    expect(peerIdentity(fakeCall(a, 'payment'))?.commonName).toBe('payment');
    expect(peerIdentity(fakeCall(b, 'risk-console'))?.commonName).toBe('risk-console');
    expect(peerIdentity(fakeCall(a, 'payment'))?.commonName).toBe('payment');
    expect(peerIdentity(fakeCall(b, 'risk-console'))?.commonName).toBe('risk-console');
  });

  it('shares a frozen identity, so no handler can alter what the next call on the connection sees', () => {
    const identity = peerIdentity(fakeCall(tlsSession(), 'payment'))!;
    expect(Object.isFrozen(identity)).toBe(true);
    expect(Object.isFrozen(identity.dnsNames)).toBe(true);
  });

  it('does not remember a connection without an identity', () => {
    const session = tlsSession();
    expect(peerIdentity(fakeCall(session, undefined))).toBeUndefined();
    const later = fakeCall(session, 'payment');
    expect(peerIdentity(later)?.commonName).toBe('payment');
    expect(later.getAuthContext).toHaveBeenCalledTimes(1);
  });

  it('reads the certificate on every call when the connection cannot be told apart', () => {
    const plaintext = { socket: {} };
    for (const session of [undefined, plaintext]) {
      const call = fakeCall(session, 'payment');
      peerIdentity(call);
      peerIdentity(call);
      expect(call.getAuthContext).toHaveBeenCalledTimes(2);
    }
  });
});

describe('callerScope', () => {
  it("names a caller by its certificate's common name, and a plaintext local run as 'local'", () => {
    const peer = peerIdentity(fakeCall(undefined, 'payment'));
    expect(callerScope(peer)).toBe('cn:payment');
    expect(callerScope(undefined)).toBe('local');
  });
});
