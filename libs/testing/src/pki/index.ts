export {
  CA_NAME,
  ensureDevPki,
  readTlsMaterial,
  RENEW_WITHIN_DAYS,
  ROOT_CA_COMMON_NAME,
  SERVICES_CA_COMMON_NAME,
  SERVICES_CA_NAME,
  SIM_CA_COMMON_NAME,
  SIM_CA_NAME,
  spiffeId,
  SPIFFE_TRUST_DOMAIN,
} from './dev-pki';
export type { DevPki, EnsureDevPkiOptions, TlsMaterial } from './dev-pki';
export { createCa, createForeignCa, issueCertificate } from './issue';
export type { CreateCaOptions, IssueCertificateOptions } from './issue';
export type { CertificatePaths } from './certificate-files';
export { PkiError } from './pki-error';
