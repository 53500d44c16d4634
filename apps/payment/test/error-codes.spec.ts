import { readmeErrorCodeMismatches } from '@wxpay/testing';
import { PAYMENT_ERROR_STATUS } from '../src/errors';

it('the README lists every payment error code with its status', () => {
  expect(readmeErrorCodeMismatches('payment', PAYMENT_ERROR_STATUS)).toEqual([]);
});
