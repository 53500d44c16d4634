import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { type ServerResponse } from 'node:http';
import { PayerActionError } from '../domain/orders-service';
import { type SimLogger } from '../logging/logger';
import { SimApiError, wechatErrors } from './sim-api-error';
import { type SimRequest } from './sim-request';
import { SimBadRequest } from './wechat-body';
import { type WechatPayResponder } from './wechatpay-responder';

/**
 * /v3 errors leave in WeChat's shape and are signed like any answer; /sim and /health errors are plain JSON.
 * Unexpected errors become 500 SYSTEM_ERROR (logged here, never echoed).
 */
@Catch()
export class SimExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly responder: WechatPayResponder,
    private readonly logger: SimLogger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<SimRequest>();
    const res = http.getResponse<ServerResponse>();
    if (req.originalUrl.startsWith('/v3/')) {
      this.responder.send(req, res, ...this.wechatAnswer(exception));
      return;
    }
    let status = 500;
    let body: Record<string, unknown> = { error: 'INTERNAL', message: 'internal error' };
    if (exception instanceof PayerActionError) {
      status = exception.code.endsWith('NOT_EXIST') || exception.code.endsWith('NOT_EXISTS') ? 404 : 409;
      body = { error: exception.code, message: exception.message };
    } else if (exception instanceof SimBadRequest) {
      status = 400;
      body = { error: 'BAD_REQUEST', message: exception.message };
    } else if (exception instanceof SimApiError) {
      status = exception.status;
      body = { error: exception.code, message: exception.message };
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      body = { error: 'HTTP', message: exception.message };
    } else {
      this.logger.error({ err: exception, url: req.originalUrl }, 'unexpected error');
    }
    if (res.headersSent) return;
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  }

  private wechatAnswer(exception: unknown): [number, Record<string, unknown>] {
    if (exception instanceof SimApiError) return [exception.status, exception.body()];
    if (exception instanceof HttpException && exception.getStatus() === 404) {
      return [404, { code: 'RESOURCE_NOT_EXISTS', message: '无效的请求路径' }];
    }
    if (exception instanceof HttpException) {
      return [exception.getStatus(), { code: 'INVALID_REQUEST', message: exception.message }];
    }
    this.logger.error({ err: exception }, 'unexpected error in a /v3 call');
    const e = wechatErrors.systemError();
    return [e.status, e.body()];
  }
}
