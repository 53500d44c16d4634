import { createPrivateKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { Sm2PrivateKey, sm2Verify } from '../index';

/**
 * Why this library never calls Node's crypto.sign on SM2 keys (Node 20 / OpenSSL 3.0, Node 22 / OpenSSL 3.5):
 *  - a key from generateKeyPairSync('ec', { namedCurve: 'SM2' }) is a plain EC key, so crypto.sign produces ECDSA
 *    (SHA-256) over the SM2 curve — Node happily verifies it, but it is not an SM2 signature at all;
 *  - the same key re-imported from PEM becomes an OpenSSL "SM2" key and crypto.sign produces a real SM2 signature,
 *    but with Z_A over an EMPTY distinguishing ID, not the standard default "1234567812345678" (and Node offers no
 *    way to set the ID).
 * If a future OpenSSL changes either behaviour, this test fails and the note above must be revisited.
 */
describe("Node's native crypto.sign on SM2 keys is not standard SM2", () => {
  const message = Buffer.from('txnAmt=100&orderId=20240101000001', 'utf8');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'SM2' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const ours = Sm2PrivateKey.fromPem(pem);

  it('generated key: ECDSA that Node accepts but SM2 verification rejects under any ID', () => {
    const signature = sign(null, message, privateKey);
    expect(verify(null, message, publicKey, signature)).toBe(true);
    expect(sm2Verify(ours.publicKey, message, signature, { encoding: 'der' })).toBe(false);
    expect(sm2Verify(ours.publicKey, message, signature, { encoding: 'der', userId: '' })).toBe(false);
  });

  it('PEM-imported key: SM2 with an empty ID, so it fails under the default ID', () => {
    const reimported = createPrivateKey(pem);
    expect(reimported.asymmetricKeyType).toBeUndefined(); // OpenSSL now treats it as an SM2 key
    const signature = sign(null, message, reimported);
    expect(sm2Verify(ours.publicKey, message, signature, { encoding: 'der' })).toBe(false);
    expect(sm2Verify(ours.publicKey, message, signature, { encoding: 'der', userId: '' })).toBe(true);
  });
});
