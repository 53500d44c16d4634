import { uniqueTestPan } from './cards';

/** The ways a card number is written in free text that the edge must see through. */
function writtenForms(pan: string): Record<string, string> {
  const groups = pan.match(/.{1,4}/g)!;
  return {
    bare: pan,
    'in text': `card ${pan}, thanks`,
    spaced: groups.join(' '),
    dashed: groups.join('-'),
    dotted: groups.join('.'),
  };
}

function withField(request: unknown, path: string, value: string): unknown {
  const copy = structuredClone(request) as Record<string, unknown>;
  const keys = path.split('.');
  let at = copy;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1]!] = value;
  return copy;
}

/**
 * The request fields (dotted paths) that a request validation lets a card number through, or answers for without
 * naming the field, or echoes: each field of `fields` set in `valid` to a fresh test PAN written bare, spaced,
 * dashed and dotted. An empty answer is what the edge must give (PCI DSS: no PAN outside the vault).
 */
export function panScreeningFailures<R>(
  validate: (request: R) => unknown,
  valid: R,
  fields: readonly string[],
): string[] {
  const failures: string[] = [];
  for (const field of fields) {
    const pan = uniqueTestPan('622202', 16);
    for (const [form, text] of Object.entries(writtenForms(pan))) {
      try {
        validate(withField(valid, field, text) as R);
        failures.push(`${field} (${form}): accepted`);
      } catch (e) {
        const refusal = e as { field?: string; message?: string };
        if (refusal.field !== field) failures.push(`${field} (${form}): refused as ${refusal.field ?? '?'}`);
        if (refusal.message?.replace(/\D/g, '').includes(pan.slice(6, 12)))
          failures.push(`${field} (${form}): echoed`);
      }
    }
  }
  return failures;
}
