import { readmeErrorCodeMismatches } from '@wxpay/testing';
import { REPAYMENT_ERROR_STATUS } from '../src/errors';

it('the README lists every repayment error code with its status', () => {
  expect(readmeErrorCodeMismatches('repayment', REPAYMENT_ERROR_STATUS)).toEqual([]);
});
