import { readmeErrorCodeMismatches } from '@wxpay/testing';
import { VAULT_ERROR_STATUS } from '../src/errors';

it('the README lists every tokenization error code with its status', () => {
  expect(readmeErrorCodeMismatches('tokenization', VAULT_ERROR_STATUS)).toEqual([]);
});
