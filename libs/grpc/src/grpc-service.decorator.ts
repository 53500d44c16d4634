import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { CALLERS } from './callers';
import { passArgumentsThrough } from './pass-through-arguments';
import { methodNameOf, type ServiceDefinition } from './service-definition';

/**
 * Makes a controller class the implementation of a generated gRPC service: each method of the definition is
 * served by the class method of the same name (`createPayment` for `/gateway.payment.v1.Payments/CreatePayment`),
 * registered with Nest as a message pattern the gateway's gRPC transport dispatches to. Fails at class
 * definition when a method is missing or names no callers (@Callers): an RPC nobody decided about is not served.
 * It is also a Nest @Controller (with no HTTP routes): services are hybrid apps, and Nest refuses to start an HTTP
 * application listing a class without that decorator among its controllers.
 */
export function GrpcService(definition: ServiceDefinition): ClassDecorator {
  return (target) => {
    const proto = (target as unknown as { prototype: Record<string, unknown> }).prototype;
    const problems: string[] = [];
    for (const [key, method] of Object.entries(definition)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (!descriptor || typeof descriptor.value !== 'function') {
        problems.push(`${methodNameOf(method.path)} has no method ${key}`);
        continue;
      }
      if (!Reflect.getMetadata(CALLERS, descriptor.value)) {
        problems.push(`${methodNameOf(method.path)} names no callers (@Callers)`);
        continue;
      }
      MessagePattern(method.path)(proto, key, descriptor);
      passArgumentsThrough(target, key, descriptor.value as object);
    }
    if (problems.length) throw new Error(`${target.name}: ${problems.join('; ')}`);
    Controller()(target);
  };
}
