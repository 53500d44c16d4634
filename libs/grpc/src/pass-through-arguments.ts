import { PIPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { type ModulesContainer } from '@nestjs/core';
import { RpcParamtype } from '@nestjs/microservices/enums/rpc-paramtype.enum';

const ARGUMENTS_AS_SENT = 'wxpay:grpc:arguments-as-sent';

interface ParamMetadata {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

/** The parameters the gateway's transport hands every handler, in order: the request, then the call. */
const AS_SENT: Readonly<Record<string, number>> = {
  [`${RpcParamtype.PAYLOAD}:0`]: 0,
  [`${RpcParamtype.CONTEXT}:1`]: 1,
};

/**
 * Lets Nest hand a controller method the call's arguments as they arrive when its parameters are exactly those
 * (`@Payload() request, @Ctx() call`, or none) and no pipe applies to it (none on a parameter or the method; the
 * gRPC edge sets no global pipes, and refuses a controller class with @UsePipes: see refuseClassPipes). Nest would
 * otherwise run its pipes stage on every call to change nothing: for risk's Evaluate at 1,000 calls/s that stage
 * was about 1.5 KB of promises and arrays per call, 6-7 % of everything the service allocated. Empty parameter metadata is Nest's own way of
 * saying "no parameter decorators", for which it calls the method with the transport's arguments unchanged.
 * A method with @ValidRequest (a pipe) keeps Nest's pipes stage.
 */
export function passArgumentsThrough(controller: object, key: string, method: object): void {
  if (Reflect.getMetadata(PIPES_METADATA, method)) return;
  const params = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, key) ?? {}) as Record<
    string,
    ParamMetadata
  >;
  for (const [param, meta] of Object.entries(params)) {
    if (AS_SENT[param] !== meta.index || meta.data !== undefined || meta.pipes?.length) return;
  }
  Reflect.defineMetadata(ROUTE_ARGS_METADATA, {}, controller, key);
  Reflect.defineMetadata(ARGUMENTS_AS_SENT, true, method);
}

/**
 * Refuses, at start, a controller with @UsePipes on its class whose methods get their arguments as sent: written
 * above @GrpcService, that decorator runs after it, so passArgumentsThrough cannot see it and its pipes would be
 * skipped. Pipes of a gRPC method belong on the method (@ValidRequest).
 */
export function refuseClassPipes(modules: ModulesContainer): void {
  for (const module of modules.values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype || !Reflect.getMetadata(PIPES_METADATA, metatype)) continue;
      const proto = metatype.prototype as Record<string, unknown>;
      const asSent = Object.getOwnPropertyNames(proto).filter((key) => {
        const member = proto[key];
        return typeof member === 'function' && Reflect.getMetadata(ARGUMENTS_AS_SENT, member) === true;
      });
      if (asSent.length) {
        throw new Error(
          `${metatype.name}: @UsePipes on a gRPC controller class is not supported; put the pipes on its methods (${asSent.join(', ')})`,
        );
      }
    }
  }
}
