/** An answer in WeChat Pay's error shape: `{code, message, detail?}` with WeChat's HTTP status. */
export class SimApiError extends Error {
  override readonly name = 'SimApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return this.detail
      ? { code: this.code, message: this.message, detail: this.detail }
      : { code: this.code, message: this.message };
  }
}

/** The errors the simulator answers, with the statuses and (Chinese) messages WeChat Pay uses. */
export const wechatErrors = {
  paramError: (message: string, detail?: Record<string, unknown>) =>
    new SimApiError(400, 'PARAM_ERROR', message, detail),
  invalidRequest: (message: string) => new SimApiError(400, 'INVALID_REQUEST', message),
  signError: (message: string, detail?: Record<string, unknown>) =>
    new SimApiError(401, 'SIGN_ERROR', message, detail),
  mchNotExists: () => new SimApiError(400, 'MCH_NOT_EXISTS', '商户号不存在'),
  appidMchidNotMatch: () => new SimApiError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配'),
  orderNotExist: () => new SimApiError(404, 'ORDER_NOT_EXIST', '订单不存在'),
  resourceNotExists: (message: string) => new SimApiError(404, 'RESOURCE_NOT_EXISTS', message),
  orderClosed: () => new SimApiError(400, 'ORDER_CLOSED', '订单已关闭'),
  notEnough: (message: string) => new SimApiError(403, 'NOT_ENOUGH', message),
  ruleLimit: (message: string) => new SimApiError(403, 'RULE_LIMIT', message),
  noAuth: (message: string) => new SimApiError(403, 'NO_AUTH', message),
  frequencyLimited: () => new SimApiError(429, 'FREQUENCY_LIMITED', '频率超限，请降低请求频率'),
  systemError: (status = 500) => new SimApiError(status, 'SYSTEM_ERROR', '系统繁忙，请稍后重试'),
} as const;
