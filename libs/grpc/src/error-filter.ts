import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';
import { type CallContext } from './call-context';
import { toStatusError, type ErrorMapping } from './error-status';

/**
 * Every failure of a gRPC controller, guard, interceptor or pipe becomes its gRPC status here, once for all
 * services (see toStatusError); the transport sends it as it is.
 */
@Catch()
export class GrpcErrorFilter implements RpcExceptionFilter<unknown> {
  constructor(private readonly mapping: ErrorMapping) {}

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    const call = host.switchToRpc().getContext<CallContext>();
    return throwError(() => toStatusError(exception, this.mapping, call.method));
  }
}
