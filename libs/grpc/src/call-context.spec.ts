import { Metadata } from '@grpc/grpc-js';
import { ServedCallContext } from './call-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function contextWith(sentTraceId: string | undefined): ServedCallContext {
  return new ServedCallContext(undefined, new Metadata(), undefined, '/p.S/M', undefined, sentTraceId);
}

describe('ServedCallContext', () => {
  it("keeps the caller's trace id", () => {
    expect(contextWith('trace-1').traceId).toBe('trace-1');
  });

  it('makes a trace id when first read and answers the same one afterwards', () => {
    const call = contextWith(undefined);
    const first = call.traceId;
    expect(first).toMatch(UUID);
    expect(call.traceId).toBe(first);
    expect(contextWith(undefined).traceId).not.toBe(first);
  });

  it('has no accessor of its own (a per-call getter pinned every call through scavenges)', () => {
    const own = Object.values(Object.getOwnPropertyDescriptors(contextWith(undefined)));
    expect(own.filter((d) => d.get !== undefined || d.set !== undefined)).toEqual([]);
  });
});
