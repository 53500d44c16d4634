import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { type ServerResponse } from 'node:http';
import { Observable } from 'rxjs';
import { FaultInjector } from '../faults/fault-injector';
import { SimApiError, wechatErrors } from './sim-api-error';
import { type SimRequest } from './sim-request';

/** Armed call faults replace processing: 5xx / 429 in WeChat's shapes, or a hang that ends with no answer. */
@Injectable()
export class ApiFaultInterceptor implements NestInterceptor {
  constructor(private readonly faults: FaultInjector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<SimRequest>();
    const fault = this.faults.takeCallFault(req.method ?? 'GET', req.originalUrl.split('?')[0]);
    if (!fault) return next.handle();
    if (fault.kind === 'http429') throw wechatErrors.frequencyLimited();
    if (fault.kind === 'http5xx') {
      throw fault.status === 500
        ? wechatErrors.systemError()
        : new SimApiError(fault.status, 'SERVICE_UNAVAILABLE', '服务不可用，请稍后重试');
    }
    const res = http.getResponse<ServerResponse>();
    return new Observable<unknown>(() => {
      const timer = setTimeout(() => res.destroy(), fault.hangMs);
      timer.unref();
      res.on('close', () => clearTimeout(timer));
      return () => clearTimeout(timer);
    });
  }
}
