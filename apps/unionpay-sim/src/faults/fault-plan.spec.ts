import { faultRuleSchema, FaultPlan } from './fault-plan';

describe('fault plan', () => {
  it('applies rules to their MTIs for their number of uses', () => {
    const f = new FaultPlan();
    f.add({ kind: 'no-answer', mtis: ['0100'], remaining: 1 });
    f.add({ kind: 'duplicate-answer', mtis: ['0200'] });
    expect(f.answerPlan('0200')).toMatchObject({ send: true, copies: 2 });
    expect(f.answerPlan('0100')).toMatchObject({ send: false });
    expect(f.answerPlan('0100')).toMatchObject({ send: true, copies: 1 });
    expect(f.answerPlan('0200')).toMatchObject({ copies: 2 });
    f.clear();
    expect(f.answerPlan('0200')).toEqual({
      send: true,
      delayMs: 0,
      copies: 1,
      dropConnection: false,
      corruptMac: false,
    });
  });

  it('forces response codes and announces outages', () => {
    const f = new FaultPlan();
    const seen: boolean[] = [];
    f.onOutageChange((a) => seen.push(a));
    f.add({ kind: 'issuer-unavailable', remaining: 1 });
    f.add({ kind: 'decline', responseCode: '05', mtis: ['0220'] });
    expect(f.forcedResponse('0100')).toBe('91');
    expect(f.forcedResponse('0100')).toBeUndefined();
    expect(f.forcedResponse('0220')).toBe('05');
    f.setOutage(true);
    f.clear();
    expect(seen).toEqual([true, false]);
  });

  it('validates rules', () => {
    expect(faultRuleSchema.safeParse({ kind: 'decline' }).success).toBe(false);
    expect(faultRuleSchema.safeParse({ kind: 'latency' }).success).toBe(false);
    expect(faultRuleSchema.safeParse({ kind: 'late-answer', delayMs: 5_000, mtis: ['0100'] }).success).toBe(
      true,
    );
  });
});
