import { Module, UsePipes, type INestApplication, type PipeTransform } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { Callers } from './callers';
import { INTERCEPTORS_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { type CallContext } from './call-context';
import { refuseClassPipes } from './pass-through-arguments';
import { GrpcService } from './grpc-service.decorator';
import { Idempotent, IdempotencyInterceptor } from './idempotency';
import { type ServiceDefinition } from './service-definition';

const method = (name: string) => ({
  path: `/test.echo.v1.Echo/${name}`,
  requestStream: false as const,
  responseStream: false as const,
  requestSerialize: (v: Buffer) => v,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (v: Buffer) => v,
  responseDeserialize: (b: Buffer) => b,
});
const EchoService = { say: method('Say'), shout: method('Shout') } satisfies ServiceDefinition;

describe('@GrpcService', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('makes a controller a hybrid (HTTP + gRPC) Nest app accepts among its controllers', async () => {
    @GrpcService(EchoService)
    class EchoController {
      @Callers('payment')
      async say() {
        return Buffer.alloc(0);
      }
      @Callers('payment')
      async shout() {
        return Buffer.alloc(0);
      }
    }
    @Module({ controllers: [EchoController] })
    class EchoModule {}

    app = await NestFactory.create(EchoModule, { logger: false, abortOnError: false });
    await expect(app.init()).resolves.toBe(app);
  });

  it('refuses, at class definition, a method that is missing or names no callers', () => {
    expect(() => {
      @GrpcService(EchoService)
      class Incomplete {
        async say() {
          return Buffer.alloc(0);
        }
      }
      return Incomplete;
    }).toThrow('Incomplete: Say names no callers (@Callers); Shout has no method shout');
  });

  it('puts the idempotency interceptor on @Idempotent methods only (the others skip the interceptor chain)', () => {
    const PlainService = { say: method('Say') } satisfies ServiceDefinition;
    const KeyedService = { say: method('Say'), shout: method('Shout') } satisfies ServiceDefinition;
    @GrpcService(PlainService)
    class Plain {
      @Callers('payment')
      async say() {
        return Buffer.alloc(0);
      }
    }
    @GrpcService(KeyedService)
    class Keyed {
      @Callers('payment')
      async say() {
        return Buffer.alloc(0);
      }
      @Callers('payment')
      @Idempotent()
      async shout() {
        return Buffer.alloc(0);
      }
    }
    const interceptorsOf = (fn: unknown) =>
      Reflect.getMetadata(INTERCEPTORS_METADATA, fn as object) as unknown;
    expect(interceptorsOf(Plain.prototype.say)).toBeUndefined();
    expect(interceptorsOf(Keyed.prototype.say)).toBeUndefined();
    expect(interceptorsOf(Keyed.prototype.shout)).toEqual([expect.any(IdempotencyInterceptor)]);
  });
});

describe('arguments as sent', () => {
  const OneService = { say: method('Say') } satisfies ServiceDefinition;
  const argsOf = (type: object, key: string) =>
    Reflect.getMetadata(ROUTE_ARGS_METADATA, type, key) as unknown;
  const pipe: PipeTransform = { transform: (v: unknown) => v };

  it("skips Nest's pipes stage for a method taking the request and the call with no pipe", () => {
    @GrpcService(OneService)
    class Plain {
      @Callers('payment')
      async say(@Payload() request: Buffer, @Ctx() call: CallContext) {
        return call.method ? request : Buffer.alloc(0);
      }
    }
    expect(argsOf(Plain, 'say')).toEqual({});
  });

  it.each([
    ['a pipe on the request', () => Payload(pipe)],
    ['a field of the request', () => Payload('amount')],
  ])('keeps the pipes stage for %s', (_, decorator) => {
    @GrpcService(OneService)
    class Piped {
      @Callers('payment')
      async say(@decorator() request: Buffer) {
        return request;
      }
    }
    expect(Object.keys(argsOf(Piped, 'say') as object)).toHaveLength(1);
  });

  it('keeps the pipes stage for a method with @UsePipes', () => {
    @GrpcService(OneService)
    class Piped {
      @Callers('payment')
      @UsePipes(pipe)
      async say(@Payload() request: Buffer) {
        return request;
      }
    }
    expect(Object.keys(argsOf(Piped, 'say') as object)).toHaveLength(1);
  });

  it('refuses at start a controller class with @UsePipes, whose pipes its methods would skip', async () => {
    @UsePipes(pipe)
    @GrpcService(OneService)
    class ClassPiped {
      @Callers('payment')
      async say(@Payload() request: Buffer) {
        return request;
      }
    }
    @Module({ controllers: [ClassPiped] })
    class PipedModule {}
    const app = await NestFactory.create(PipedModule, { logger: false, abortOnError: false });
    try {
      expect(() => refuseClassPipes(app.get(ModulesContainer))).toThrow(
        'ClassPiped: @UsePipes on a gRPC controller class is not supported; put the pipes on its methods (say)',
      );
    } finally {
      await app.close();
    }
  });
});
