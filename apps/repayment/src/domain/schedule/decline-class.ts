import { type DeclineClass } from '@wxpay/contracts';

/*
 * WeChat Pay reports a failed contract deduction as TRANSACTION.FAIL (or an order query in PAY_FAIL) with a
 * Chinese description, and refuses some at apply time with an error code. The codes are the APIv2/v3 papay ones
 * (NOTENOUGH, CONTRACT_NOT_EXIST, …); the descriptions are matched by their stable key phrases.
 */
const BY_CODE: Record<string, DeclineClass> = {
  NOTENOUGH: 'INSUFFICIENT_BALANCE',
  NOT_ENOUGH: 'INSUFFICIENT_BALANCE',
  CONTRACT_NOT_EXIST: 'CONTRACT_ENDED',
  CONTRACT_ERROR: 'CONTRACT_ENDED',
  CONTRACT_TERMINATED: 'CONTRACT_ENDED',
  RULE_LIMIT: 'LIMIT',
  RULELIMIT: 'LIMIT',
  SYSTEM_ERROR: 'CHANNEL',
  SYSTEMERROR: 'CHANNEL',
  BANK_ERROR: 'CHANNEL',
  FREQUENCY_LIMITED: 'CHANNEL',
};

export function classifyDecline(code: string | undefined, description: string | undefined): DeclineClass {
  const byCode = code ? BY_CODE[code.toUpperCase()] : undefined;
  if (byCode) return byCode;
  const d = description ?? '';
  if (/余额不足|额度不足|insufficient/i.test(d)) return 'INSUFFICIENT_BALANCE';
  if (/解约|签约关系|协议.*(失效|不存在)|contract/i.test(d)) return 'CONTRACT_ENDED';
  if (/系统|繁忙|超时|system|timeout|busy/i.test(d)) return 'CHANNEL';
  return 'OTHER';
}
