import { canonicalJson, requestFingerprint } from '@wxpay/grpc';

describe('request fingerprints', () => {
  it('do not depend on key order or undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 2], c: 'x' }, z: undefined })).toBe(
      '{"a":{"c":"x","d":[1,2]},"b":1}',
    );
    expect(requestFingerprint('Op', { a: 1, b: 2 })).toBe(requestFingerprint('Op', { b: 2, a: 1 }));
  });

  it('differ by parameters and by operation', () => {
    expect(requestFingerprint('Op', { a: 1 })).not.toBe(requestFingerprint('Op', { a: 2 }));
    expect(requestFingerprint('Op', { a: 1 })).not.toBe(requestFingerprint('Other', { a: 1 }));
  });
});
