import { readmeErrorCodeMismatches } from '@wxpay/testing';
import { COMMON_ERROR_STATUS } from './error-status';

describe('README error codes', () => {
  it('lists the common codes with the statuses libs/grpc answers', () => {
    expect(readmeErrorCodeMismatches('common', COMMON_ERROR_STATUS)).toEqual([]);
  });

  it('notices a code the README lacks and a status it gets wrong', () => {
    const readme = '| `x` | `A` | `NOT_FOUND` | a |\n| `x` | `GONE` | `NOT_FOUND` | gone |';
    expect(readmeErrorCodeMismatches('x', { A: 9, B: 5 }, readme)).toEqual([
      'x A is FAILED_PRECONDITION, the README says NOT_FOUND',
      'x B (NOT_FOUND) is not in the README',
      'x GONE is in the README but not in the table',
    ]);
  });
});
