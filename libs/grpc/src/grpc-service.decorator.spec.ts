import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Callers } from './callers';
import { INTERCEPTORS_METADATA } from '@nestjs/common/constants';
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
