import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Callers } from './callers';
import { GrpcService, hasIdempotentMethods } from './grpc-service.decorator';
import { Idempotent } from './idempotency';
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

  it('notes which definitions have an @Idempotent method (only their apps get the idempotency interceptor)', () => {
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
    expect([Plain, Keyed]).toHaveLength(2);
    expect(hasIdempotentMethods(PlainService)).toBe(false);
    expect(hasIdempotentMethods(KeyedService)).toBe(true);
  });
});
