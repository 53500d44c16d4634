import { ConfigError } from '@wxpay/runtime';
import { loadConfig } from '../src/config';

describe('repayment configuration', () => {
  it('names every missing or bad variable at once, cross-variable rules included', () => {
    let error: unknown;
    try {
      loadConfig({
        REPAYMENT_NOTICE_AT: '25:00',
        REPAYMENT_CLOCK: 'sometimes',
        REPAYMENT_DEFAULT_DAYS_BEFORE_DUE: '',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'REPAYMENT_NOTICE_AT',
      'REPAYMENT_CLOCK',
      'WECHATPAY_MCHID',
      'UNIONPAY_ACQUIRER_BUNDLE',
      'WECHATPAY_APIV3_KEY: set exactly one',
    ]) {
      expect(problems).toContain(name);
    }
    // An empty value counts as unset (the default applies), not as a bad value.
    expect(problems).not.toContain('REPAYMENT_DEFAULT_DAYS_BEFORE_DUE');
  });
});
