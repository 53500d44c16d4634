/**
 * The data elements this profile uses (docs/unionpay-profile.md §4). Formats follow ISO 8583:1987 as transcribed
 * for CUPS (fact sheet §2.3); field 62's use for encrypted sensitive data and field 65's opaque carriage are this
 * profile's own choices.
 *
 * Charsets: n digits; an letters, digits and space (fixed fields are space padded); ans printable ASCII;
 * z track-2 characters; b raw bytes. Lengths count characters, or bytes for b.
 */
export type FieldCharset = 'n' | 'an' | 'ans' | 'z' | 'b';
export type FieldLengthKind = 'fixed' | 'llvar' | 'lllvar';

export interface FieldSpec {
  readonly field: number;
  readonly name: string;
  readonly charset: FieldCharset;
  readonly kind: FieldLengthKind;
  /** Exact length for fixed fields, maximum for variable ones. */
  readonly length: number;
}

const spec = (
  field: number,
  name: string,
  charset: FieldCharset,
  kind: FieldLengthKind,
  length: number,
): FieldSpec => ({ field, name, charset, kind, length });

const SPECS: readonly FieldSpec[] = [
  spec(2, 'primary account number', 'n', 'llvar', 19),
  spec(3, 'processing code', 'n', 'fixed', 6),
  spec(4, 'transaction amount', 'n', 'fixed', 12),
  spec(7, 'transmission date and time', 'n', 'fixed', 10),
  spec(11, 'system trace audit number', 'n', 'fixed', 6),
  spec(12, 'local transaction time', 'n', 'fixed', 6),
  spec(13, 'local transaction date', 'n', 'fixed', 4),
  spec(14, 'expiration date', 'n', 'fixed', 4),
  spec(15, 'settlement date', 'n', 'fixed', 4),
  spec(18, 'merchant type', 'n', 'fixed', 4),
  spec(22, 'point of service entry mode', 'n', 'fixed', 3),
  spec(25, 'point of service condition code', 'n', 'fixed', 2),
  spec(32, 'acquiring institution id', 'n', 'llvar', 11),
  spec(33, 'forwarding institution id', 'n', 'llvar', 11),
  spec(35, 'track 2 data', 'z', 'llvar', 37),
  spec(37, 'retrieval reference number', 'an', 'fixed', 12),
  spec(38, 'authorisation id response', 'an', 'fixed', 6),
  spec(39, 'response code', 'an', 'fixed', 2),
  spec(41, 'card acceptor terminal id', 'ans', 'fixed', 8),
  spec(42, 'card acceptor id', 'ans', 'fixed', 15),
  spec(43, 'card acceptor name and location', 'ans', 'fixed', 40),
  spec(48, 'additional data', 'ans', 'lllvar', 512),
  spec(49, 'transaction currency code', 'an', 'fixed', 3),
  spec(52, 'pin data', 'b', 'fixed', 8),
  spec(53, 'security related control information', 'n', 'fixed', 16),
  spec(55, 'ic card data', 'b', 'lllvar', 255),
  spec(60, 'reserved (message reason code)', 'ans', 'lllvar', 100),
  spec(62, 'encrypted sensitive data (profile)', 'b', 'lllvar', 512),
  spec(64, 'message authentication code (primary)', 'b', 'fixed', 8),
  spec(65, 'tertiary bitmap position (opaque)', 'b', 'fixed', 8),
  spec(70, 'network management information code', 'n', 'fixed', 3),
  spec(90, 'original data elements', 'n', 'fixed', 42),
  spec(96, 'message security code', 'b', 'fixed', 8),
  spec(100, 'receiving institution id', 'n', 'llvar', 11),
  spec(102, 'account identification 1', 'ans', 'llvar', 28),
  spec(103, 'account identification 2', 'ans', 'llvar', 28),
  spec(128, 'message authentication code', 'b', 'fixed', 8),
];

const BY_NUMBER = new Map<number, FieldSpec>(SPECS.map((s) => [s.field, s]));

export function fieldSpec(field: number): FieldSpec | undefined {
  return BY_NUMBER.get(field);
}

export function definedFields(): readonly FieldSpec[] {
  return SPECS;
}

const CHARSET_PATTERNS: Record<Exclude<FieldCharset, 'b'>, RegExp> = {
  n: /^[0-9]*$/,
  an: /^[A-Za-z0-9 ]*$/,
  ans: /^[\x20-\x7e]*$/,
  z: /^[0-9=D]*$/,
};

export function matchesCharset(charset: Exclude<FieldCharset, 'b'>, value: string): boolean {
  return CHARSET_PATTERNS[charset].test(value);
}
