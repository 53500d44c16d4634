import { isYymm, panProblem } from '@wxpay/card';
import { UnionPayRequestError } from '../errors/unionpay-errors';

/** Checks a PAN argument without ever echoing it. */
export function requirePan(pan: unknown, argument = 'pan'): string {
  const problem = panProblem(pan);
  if (problem) throw new UnionPayRequestError(argument, problem);
  return pan as string;
}

export function requireExpiry(expiry: unknown, argument = 'expiry'): string {
  if (!isYymm(expiry)) throw new UnionPayRequestError(argument, 'must be YYMM');
  return expiry;
}
