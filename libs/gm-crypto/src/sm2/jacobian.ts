import { P } from './curve';
import { invModBlinded, invModPublic, modP } from './field';

/**
 * A point in Jacobian coordinates (x = X/Z², y = Y/Z³), mutated in place to spare BigInt allocations.
 * Z = 0 is the point at infinity. All coordinates are kept reduced to [0, p).
 */
export class JacobianPoint {
  constructor(
    public x: bigint,
    public y: bigint,
    public z: bigint,
  ) {}

  static infinity(): JacobianPoint {
    return new JacobianPoint(1n, 1n, 0n);
  }

  static fromAffine(x: bigint, y: bigint): JacobianPoint {
    return new JacobianPoint(x, y, 1n);
  }

  isInfinity(): boolean {
    return this.z === 0n;
  }

  clone(): JacobianPoint {
    return new JacobianPoint(this.x, this.y, this.z);
  }
}

/** Doubling for a = −3 ("dbl-2001-b", 3M + 5S). Never meets y = 0: the group has odd prime order. */
export function doubleInPlace(p: JacobianPoint): void {
  if (p.z === 0n) return;
  const { x, y, z } = p;
  const delta = (z * z) % P;
  const gamma = (y * y) % P;
  const beta = (x * gamma) % P;
  const alpha = (3n * (x - delta) * (x + delta)) % P;
  const x3 = modP(alpha * alpha - 8n * beta);
  p.y = modP(alpha * (4n * beta - x3) - 8n * gamma * gamma);
  p.z = modP(2n * y * z);
  p.x = x3;
}

/**
 * p += (x2, y2) with (x2, y2) affine ("madd-2004-hmv", reductions merged where a sum of products allows).
 * Handles every exceptional case exactly (p at infinity, p = ±(x2, y2)); for random secret scalars those
 * branches are reached with negligible probability, so they are not a timing signal.
 */
export function addAffineInPlace(p: JacobianPoint, x2: bigint, y2: bigint): void {
  if (p.z === 0n) {
    p.x = x2;
    p.y = y2;
    p.z = 1n;
    return;
  }
  const { x: x1, y: y1, z: z1 } = p;
  const z1z1 = (z1 * z1) % P;
  const h = ((x2 * z1z1) % P) - x1;
  const r = ((((y2 * z1) % P) * z1z1) % P) - y1;
  if (h === 0n) {
    if (r === 0n) doubleInPlace(p);
    else p.z = 0n;
    return;
  }
  const hh = (h * h) % P;
  const hhh = (hh * h) % P;
  const v = (x1 * hh) % P;
  const x3 = modP(r * r - hhh - 2n * v);
  p.y = modP(r * (v - x3) - y1 * hhh);
  p.z = modP(z1 * h);
  p.x = x3;
}

export interface AffinePoint {
  x: bigint;
  y: bigint;
}

/** Converts to affine; `secret` selects the blinded inversion (Z derives from a secret scalar). */
export function toAffine(p: JacobianPoint, secret: boolean): AffinePoint | undefined {
  if (p.z === 0n) return undefined;
  const zInv = secret ? invModBlinded(p.z, P) : invModPublic(p.z, P);
  const zInv2 = (zInv * zInv) % P;
  return { x: (p.x * zInv2) % P, y: (((p.y * zInv2) % P) * zInv) % P };
}

/** Montgomery's trick: one inversion for a whole batch of public points (table construction). */
export function batchToAffine(points: JacobianPoint[]): AffinePoint[] {
  const prefix: bigint[] = new Array<bigint>(points.length);
  let acc = 1n;
  for (let i = 0; i < points.length; i++) {
    if (points[i].z === 0n) throw new Error('cannot normalise the point at infinity');
    acc = (acc * points[i].z) % P;
    prefix[i] = acc;
  }
  let inv = invModPublic(acc, P);
  const out: AffinePoint[] = new Array<AffinePoint>(points.length);
  for (let i = points.length - 1; i >= 0; i--) {
    const zInv = i === 0 ? inv : (inv * prefix[i - 1]) % P;
    inv = (inv * points[i].z) % P;
    const zInv2 = (zInv * zInv) % P;
    out[i] = { x: (points[i].x * zInv2) % P, y: (((points[i].y * zInv2) % P) * zInv) % P };
  }
  return out;
}
