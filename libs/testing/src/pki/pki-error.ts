/** A dev-PKI operation failed. Messages name the step and the file, never key material. */
export class PkiError extends Error {
  override readonly name = 'PkiError';
}
