import { type CallContext } from './call-context';

/**
 * One unary method as libs/contracts' generated code (ts-proto, grpc-js output) describes it: its path and the
 * codecs of its messages. Streaming methods are not part of any gateway contract.
 */
export interface UnaryMethodDefinition<Req, Res> {
  readonly path: string;
  readonly requestStream: false;
  readonly responseStream: false;
  readonly originalName?: string;
  requestSerialize(value: Req): Buffer;
  requestDeserialize(bytes: Buffer): Req;
  responseSerialize(value: Res): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

// `any` here is what lets one definition type describe methods of every message type; each method's own types
// are recovered below with `infer`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServiceDefinition = Readonly<Record<string, UnaryMethodDefinition<any, any>>>;

export type RequestOf<M> = M extends { requestDeserialize(bytes: Buffer): infer Req } ? Req : never;
export type ResponseOf<M> = M extends { responseDeserialize(bytes: Buffer): infer Res } ? Res : never;

/**
 * What a Nest controller implements for a generated service: one method per RPC, named as in the generated
 * definition (`createPayment`), taking the decoded request and the call, answering the whole response message.
 */
export type GrpcController<S extends ServiceDefinition> = {
  [K in keyof S]: (request: RequestOf<S[K]>, call: CallContext) => Promise<ResponseOf<S[K]>>;
};

/** `gateway.payment.v1.Payments` from a definition's paths (`/gateway.payment.v1.Payments/CreatePayment`). */
export function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error('a service definition without methods');
  return first.path.slice(1, first.path.lastIndexOf('/'));
}

/** `CreatePayment` from `/gateway.payment.v1.Payments/CreatePayment`. */
export function methodNameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
