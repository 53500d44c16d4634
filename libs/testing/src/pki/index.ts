export { CA_NAME, DEV_CA_COMMON_NAME, ensureDevPki, readTlsMaterial, RENEW_WITHIN_DAYS } from './dev-pki';
export type { DevPki, EnsureDevPkiOptions, TlsMaterial } from './dev-pki';
export { createCa, createForeignCa, issueCertificate } from './issue';
export type { CreateCaOptions, IssueCertificateOptions } from './issue';
export type { CertificatePaths } from './certificate-files';
export { PkiError } from './pki-error';
