import { isIP } from 'net';
import { type PipeTransform } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { containsPan } from '@wxpay/card';
import { cardTokenSchema, DomainError } from '@wxpay/contracts';
import { z } from 'zod';

/*
 * Request validation against the generated message types, written once: a controller names the rules of the
 * fields it checks (`RequestRules<CreatePaymentRequest>`: the compiler refuses a field the message does not have),
 * the pipe answers the first broken rule as INVALID_ARGUMENT naming the field path (`amount.amount_minor`), and no
 * message ever repeats the value that was sent — it could be a card number in the wrong field.
 *
 * Decoded requests always have the declared scalar types (the generated codec fills defaults), so the rules are
 * about content: required, lengths, patterns, ranges, enum values that mean something.
 *
 * Text fields (free text and identifiers, `text()`) refuse a card number (PCI DSS: no PAN outside the vault): a
 * description, a reason or a merchant id holding one is refused before anything stores or forwards it. Fields of
 * a strict format (UUIDs, vault tokens, dates, amounts, enums) cannot carry one as written; the idempotency key
 * has its own check (@Idempotent). Card numbers enter only at the vault, which screens its own fields.
 */

/** Rules for the fields of a request message (unlisted fields are not checked). */
export type RequestRules<Req> = { [K in keyof Req]?: z.ZodType };

export class RequestValidationPipe<Req> implements PipeTransform<Req, Req> {
  private readonly schema: z.ZodType;

  constructor(rules: RequestRules<Req>) {
    this.schema = z.looseObject(rules as z.ZodRawShape);
  }

  transform(value: Req): Req {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data as Req;
    const issue = result.error.issues[0]!;
    throw DomainError.invalid(issue.path.map(String).join('.') || 'request', issue.message);
  }
}

/** The request parameter of a controller method, validated by its rules. */
export const ValidRequest = <Req>(rules: RequestRules<Req>) => Payload(new RequestValidationPipe<Req>(rules));

/** A nested message's rules, for a field of message type (absent when not required). */
export function message<M>(rules: RequestRules<M>, options: { required?: boolean } = {}): z.ZodType {
  const shape = z.looseObject(rules as z.ZodRawShape);
  return options.required === false
    ? shape.optional()
    : z.custom((v) => v !== undefined, REQUIRED).pipe(shape);
}

const REQUIRED = { error: 'is required' };

export interface TextRule {
  /** 1 = required. */
  min?: number;
  max: number;
  pattern?: RegExp;
  /** What the pattern asks for, e.g. 'letters, digits, _ and -'. */
  allowed?: string;
  /** Refuse characters outside the Basic Multilingual Plane (WeChat Pay accepts 1–3 byte UTF-8 only). */
  bmpOnly?: boolean;
  /**
   * An id this service or the bank issued (a plan id, an out_trade_no, a merchant number): not screened for card
   * numbers. Random hex holds a Luhn-valid run of 13+ digits about once in a thousand ids, which would make that
   * resource unreachable, and one UnionPay merchant number (15 digits) in ten is Luhn-valid, which would refuse
   * that merchant's every payment.
   */
  issuedId?: boolean;
}

export function text(rule: TextRule): z.ZodString {
  let s = z.string();
  const min = rule.min ?? 0;
  if (min > 0) s = s.min(1, REQUIRED);
  if (min > 1 || rule.max) {
    s = s.refine((v) => v.length === 0 || (v.length >= min && v.length <= rule.max), {
      error: min > 1 ? `must be ${min}–${rule.max} characters` : `must be at most ${rule.max} characters`,
    }) as unknown as z.ZodString;
  }
  if (rule.pattern) {
    const pattern = rule.pattern;
    s = s.refine((v) => v === '' || pattern.test(v), {
      error: rule.allowed ? `may contain only ${rule.allowed}` : 'has invalid characters',
    }) as unknown as z.ZodString;
  }
  if (rule.bmpOnly) {
    s = s.refine((v) => !/[\u{10000}-\u{10FFFF}]/u.test(v), {
      error: 'must not contain emoji or supplementary characters',
    }) as unknown as z.ZodString;
  }
  if (rule.issuedId) return s;
  // libs/card's search: 13–19 digits passing Luhn, whole or in groups joined by a space, dash or dot.
  return s.refine((v) => !containsPan(v), {
    error: 'must not contain a card number',
  }) as unknown as z.ZodString;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID (any case), answered in lower case. */
export function uuid(what = 'a UUID', options: { optional?: boolean } = {}) {
  return z
    .string()
    .refine((v) => (options.optional && v === '') || UUID.test(v), { error: `must be ${what}` })
    .transform((v) => v.toLowerCase());
}

/** A vault token (tok_…). Never repeats what was sent: a caller may have put a card number there by mistake. */
export function cardToken(options: { optional?: boolean } = {}) {
  return z.string().refine((v) => (options.optional && v === '') || cardTokenSchema.safeParse(v).success, {
    error: 'must be a vault token (tok_ + 26 base32 characters)',
  });
}

/**
 * The console user an operator path records with the change it makes (RetryCapture, RetryPosting, ...): the
 * console's sign-in name, 1..64 printable ASCII characters.
 */
export function operator() {
  return text({ min: 1, max: 64, pattern: /^[\x21-\x7e]+$/, allowed: 'printable ASCII without spaces' });
}

/** int64 minor units (a decimal string on the wire): a whole number, positive unless zero is allowed. */
export function minorUnits(options: { allowZero?: boolean } = {}) {
  return z.string().refine(
    (v) => {
      if (!/^\d{1,16}$/.test(v)) return false;
      const n = Number(v);
      return Number.isSafeInteger(n) && (options.allowZero || n > 0);
    },
    {
      error: options.allowZero
        ? 'must be a whole number of minor units'
        : 'must be a positive whole number of minor units',
    },
  );
}

/** An ISO 4217 currency code, or exactly the ones given. */
export function currency(...allowed: string[]) {
  return z.string().refine((v) => (allowed.length ? allowed.includes(v) : /^[A-Z]{3}$/.test(v)), {
    error: allowed.length ? `must be ${allowed.join(' or ')}` : 'must be an ISO 4217 currency code',
  });
}

/**
 * A value of a generated string enum. Required: the zero value (`*_UNSPECIFIED`) and values this build does
 * not know (`UNRECOGNIZED`) are refused; optional: they mean "not given".
 */
export function enumValue<E extends Record<string, string>>(values: E, options: { optional?: boolean } = {}) {
  const meaningful = Object.values(values).filter((v) => !v.endsWith('_UNSPECIFIED') && v !== 'UNRECOGNIZED');
  return z
    .string()
    .refine((v) => meaningful.includes(v) || (options.optional === true && v.endsWith('_UNSPECIFIED')), {
      error: `must be one of ${meaningful.join(', ')}`,
    });
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** An ISO-8601 UTC instant ending in Z. */
export function instant(options: { optional?: boolean } = {}) {
  return z
    .string()
    .refine((v) => (options.optional && v === '') || (INSTANT.test(v) && Number.isFinite(Date.parse(v))), {
      error: 'must be an ISO-8601 UTC instant ending in Z',
    });
}

/** A calendar date YYYY-MM-DD. */
export function isoDate(options: { optional?: boolean } = {}) {
  return z.string().refine(
    (v) => {
      if (options.optional && v === '') return true;
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
      const d = new Date(`${v}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
    },
    { error: 'must be a calendar date YYYY-MM-DD' },
  );
}

/** An IPv4 or IPv6 address. */
export function ipAddress(options: { optional?: boolean } = {}) {
  return z.string().refine((v) => (options.optional && v === '') || isIP(v) !== 0, {
    error: 'must be an IPv4 or IPv6 address',
  });
}

/** A whole number in a range; 0 (proto3's "not set") allowed when `unsetAllowed`. */
export function intRange(min: number, max: number, options: { unsetAllowed?: boolean } = {}) {
  return z
    .number()
    .refine((v) => (options.unsetAllowed && v === 0) || (Number.isInteger(v) && v >= min && v <= max), {
      error: `must be ${min}–${max}`,
    });
}
