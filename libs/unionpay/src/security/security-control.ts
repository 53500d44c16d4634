import { UnionPaySecurityError } from '../errors/unionpay-errors';

/**
 * F53 (n16), this profile's layout (the SM4 values are not public, fact sheet §2.3):
 * pos 1 PIN block format (2 = no PIN / without PAN), pos 2 algorithm (4 = SM4), pos 3–4 working-key
 * generation 01–99 chosen by the last key exchange, pos 5–16 zeros.
 */
export function securityControl(generation: number): string {
  return `24${String(generation).padStart(2, '0')}000000000000`;
}

export function keyGenerationOf(f53: string | undefined): number {
  if (f53 === undefined || !/^24[0-9]{2}0{12}$/.test(f53)) {
    throw new UnionPaySecurityError('UNKNOWN_KEY_GENERATION', 'F53 does not name an SM4 key generation');
  }
  const generation = Number(f53.slice(2, 4));
  if (generation < 1)
    throw new UnionPaySecurityError('UNKNOWN_KEY_GENERATION', 'key generation 00 is not valid');
  return generation;
}

/** Generations cycle 01 → 99 → 01. */
export function nextGeneration(current: number): number {
  return current >= 99 ? 1 : current + 1;
}
