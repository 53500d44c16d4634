import { readmeErrorCodeMismatches } from '@wxpay/testing';
import { RISK_ERROR_STATUS } from '../src/errors';

it('the README lists every risk error code with its status', () => {
  expect(readmeErrorCodeMismatches('risk', RISK_ERROR_STATUS)).toEqual([]);
});
