import { X509Certificate } from 'node:crypto';
import { type ApiV3Key } from '../crypto/apiv3-key';
import { decryptResource } from '../crypto/aead-aes-256-gcm';
import { VerificationFailure, WechatPayVerificationError } from '../errors/verification-error';
import { certificateListSchema } from '../models/certificates';
import { type ApiCaller } from '../client/api-caller';
import { type Clock } from '../verification/clock';
import { normalizeSerial, serialKey, type WechatPayKeyStore } from '../verification/key-store';
import { WechatPaySignatureVerifier } from '../verification/signature-verifier';

export interface PlatformCertificate {
  readonly serial: string;
  readonly certificate: X509Certificate;
  readonly pem: string;
}

export interface CertificateDownloadOptions {
  readonly caller: ApiCaller;
  readonly apiV3Key: ApiV3Key;
  /** Keys we already trust; the answer may be signed by one of them or by a certificate it carries. */
  readonly keyStore: WechatPayKeyStore;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
}

/**
 * `GET /v3/certificates`: each certificate is decrypted (tag checked), parsed and matched to its announced serial;
 * then the answer's signature is verified against our keys plus the downloaded certificates, as WeChat signs the
 * list with one of the certificates in it. Nothing is adopted here: the caller adds the result to its store.
 * In public-key-only mode WeChat answers 404 RESOURCE_NOT_EXISTS (WechatPayApiError).
 */
export async function downloadPlatformCertificates(
  options: CertificateDownloadOptions,
): Promise<PlatformCertificate[]> {
  const res = await options.caller.unverified({
    method: 'GET',
    path: '/v3/certificates',
    retry: 'safe',
    signal: options.signal,
  });
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new WechatPayVerificationError(VerificationFailure.NOT_JSON, 'certificate list is not JSON');
  }
  const list = certificateListSchema.safeParse(json);
  if (!list.success) {
    throw new WechatPayVerificationError(VerificationFailure.BAD_ENVELOPE, 'not a certificate list');
  }
  const now = options.clock();
  const certificates = list.data.data.map((item) => {
    const pem = decryptResource(item.encrypt_certificate, options.apiV3Key).toString('utf8');
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      throw badCertificate('a downloaded certificate is not X.509', item.serial_no);
    }
    if (serialKey(certificate.serialNumber) !== serialKey(item.serial_no)) {
      throw badCertificate('certificate serial differs from serial_no', item.serial_no);
    }
    return { serial: normalizeSerial(certificate.serialNumber), certificate, pem };
  });
  const candidates = options.keyStore.clone();
  for (const c of certificates) {
    if (Date.parse(c.certificate.validTo) >= now) candidates.addPlatformCertificate(c.certificate);
  }
  new WechatPaySignatureVerifier({ keyStore: candidates, clock: options.clock }).verify(
    res.headers,
    res.body,
  );
  return certificates.filter((c) => Date.parse(c.certificate.validTo) >= now);
}

function badCertificate(message: string, serial: string): WechatPayVerificationError {
  return new WechatPayVerificationError(VerificationFailure.BAD_CERTIFICATE, message, {
    serial: serial.slice(0, 64),
  });
}
