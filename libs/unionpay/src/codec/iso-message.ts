import { UnionPayCodecError } from '../errors/unionpay-errors';

/** Text for n/an/ans/z fields, bytes for b fields. */
export type FieldValue = string | Buffer;

/**
 * One ISO 8583 message: MTI plus data elements by field number. Field 1 (the secondary-bitmap indicator) is
 * never a value: the codec derives it from the fields present.
 */
export class IsoMessage {
  readonly #fields = new Map<number, FieldValue>();

  constructor(
    readonly mti: string,
    fields?: Iterable<readonly [number, FieldValue | undefined]>,
  ) {
    if (fields) for (const [n, v] of fields) if (v !== undefined) this.set(n, v);
  }

  set(field: number, value: FieldValue): this {
    if (!Number.isInteger(field) || field < 2 || field > 128) {
      throw new UnionPayCodecError('UNKNOWN_FIELD', 'data elements are numbered 2 to 128', field);
    }
    this.#fields.set(field, value);
    return this;
  }

  delete(field: number): this {
    this.#fields.delete(field);
    return this;
  }

  has(field: number): boolean {
    return this.#fields.has(field);
  }

  get(field: number): FieldValue | undefined {
    return this.#fields.get(field);
  }

  /** A text field's value, or undefined when absent. */
  text(field: number): string | undefined {
    const v = this.#fields.get(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new UnionPayCodecError('BAD_FIELD_TYPE', 'is binary, not text', field);
    return v;
  }

  requireText(field: number): string {
    const v = this.text(field);
    if (v === undefined) throw new UnionPayCodecError('MISSING_FIELD', 'is required here', field);
    return v;
  }

  binary(field: number): Buffer | undefined {
    const v = this.#fields.get(field);
    if (v === undefined) return undefined;
    if (typeof v === 'string') throw new UnionPayCodecError('BAD_FIELD_TYPE', 'is text, not binary', field);
    return v;
  }

  requireBinary(field: number): Buffer {
    const v = this.binary(field);
    if (v === undefined) throw new UnionPayCodecError('MISSING_FIELD', 'is required here', field);
    return v;
  }

  /** Field numbers present, ascending (the order they are packed in). */
  fieldNumbers(): number[] {
    return [...this.#fields.keys()].sort((a, b) => a - b);
  }

  clone(mti: string = this.mti): IsoMessage {
    return new IsoMessage(mti, this.#fields.entries());
  }
}
