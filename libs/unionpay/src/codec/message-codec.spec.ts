import { UnionPayCodecError } from '../errors/unionpay-errors';
import { Mti, NetworkCode, TRANSACTION_TYPES } from '../profile/message-types';
import {
  financialRequest,
  networkRequest,
  responseTo,
  reversalAdvice,
  type Originator,
} from '../profile/messages';
import { decodeBitmap, encodeBitmap } from './bitmap';
import { cupsHeader } from './cups-header';
import { FrameReader } from './framing';
import { IsoMessage } from './iso-message';
import { decodeFrame, encodeBody, encodeFrame, rejectCodeFor } from './message-codec';

const originator: Originator = {
  acquirerId: '49990000',
  forwardingId: '49990000',
  terminalId: 'PAY00001',
  merchantId: '898440000000001',
  merchantType: '5399',
  merchantName: 'WXPAY TEST MERCHANT',
};
const at = new Date('2025-07-11T07:48:41Z');
const trace = { stan: '001171', transmissionDateTime: '0711154841', rrn: '154841001171', at };
const header = cupsHeader('00010000', '49990000');

function sampleRequests(): IsoMessage[] {
  const base = { originator, trace, amount: '000000010000', currency: '156', keyGeneration: 1 };
  const original = {
    mti: '0100',
    stan: '001170',
    transmissionDateTime: '0711154800',
    acquirerId: '49990000',
    forwardingId: '49990000',
  };
  return [
    financialRequest({ ...base, type: TRANSACTION_TYPES.preauth, sensitiveData: Buffer.alloc(32, 7) }),
    financialRequest({ ...base, type: TRANSACTION_TYPES.purchase, sensitiveData: Buffer.alloc(48, 1) }),
    financialRequest({ ...base, type: TRANSACTION_TYPES.completion, original }),
    financialRequest({ ...base, type: TRANSACTION_TYPES.refund, original: { ...original, mti: '0200' } }),
    financialRequest({ ...base, type: TRANSACTION_TYPES.credit, sensitiveData: Buffer.alloc(32, 2) }),
    reversalAdvice({
      original: {
        mti: '0100',
        processingCode: '030000',
        posConditionCode: '06',
        stan: '001171',
        transmissionDateTime: '0711154841',
        rrn: '154841001171',
        amount: '000000010000',
        currency: '156',
      },
      originator,
      transmissionDateTime: '0711154911',
      reason: '4354',
      keyGeneration: 1,
    }),
    networkRequest({
      code: NetworkCode.SIGN_ON,
      stan: '000001',
      transmissionDateTime: '0711154841',
      acquirerId: '49990000',
      forwardingId: '49990000',
      additionalData: 'SO01' + 'A'.repeat(160),
    }),
  ];
}

function roundTrip(m: IsoMessage): IsoMessage {
  const frames = new FrameReader().push(encodeFrame(header, m));
  expect(frames).toHaveLength(1);
  const decoded = decodeFrame(frames[0]);
  expect(decoded.header).toEqual(header);
  return decoded.message;
}

function expectSameFields(a: IsoMessage, b: IsoMessage): void {
  expect(b.mti).toBe(a.mti);
  expect(b.fieldNumbers()).toEqual(a.fieldNumbers());
  for (const f of a.fieldNumbers()) expect(b.get(f)).toEqual(a.get(f));
}

describe('CUPS codec', () => {
  it('round-trips a request and its response for every MTI of the profile', () => {
    const seen = new Set<string>();
    for (const request of sampleRequests()) {
      request.set(128, Buffer.from('0102030405060708', 'hex'));
      const response = responseTo(request, {
        responseCode: '00',
        authCode: 'A1B2C3',
        settlementDate: '0711',
      });
      response.set(128, Buffer.from('1112131415161718', 'hex'));
      for (const m of [request, response]) {
        expectSameFields(m, roundTrip(m));
        seen.add(m.mti);
      }
    }
    expect([...seen].sort()).toEqual(Object.values(Mti).sort());
  });

  describe('bitmap', () => {
    it('uses only the primary bitmap up to field 64 (bit 1 clear)', () => {
      const map = encodeBitmap([64]);
      expect(map.toString('hex')).toBe('0000000000000001');
      expect(decodeBitmap(map, 0)).toEqual({ fields: [64], length: 8 });
    });

    it('adds the secondary bitmap for field 65 and sets bit 1', () => {
      const map = encodeBitmap([65]);
      expect(map.toString('hex')).toBe('80000000000000008000000000000000');
      expect(decodeBitmap(map, 0)).toEqual({ fields: [65], length: 16 });
    });

    it('puts field 128 in the last bit of the secondary bitmap', () => {
      const map = encodeBitmap([2, 64, 65, 128]);
      expect(map.toString('hex')).toBe('c0000000000000018000000000000001');
      expect(decodeBitmap(map, 0).fields).toEqual([2, 64, 65, 128]);
    });

    it('round-trips messages whose only fields sit at the bitmap edges', () => {
      for (const fields of [[64], [65], [128], [64, 65], [2, 128]]) {
        const m = new IsoMessage('0820');
        for (const f of fields) m.set(f, f === 2 ? '6222021234567890123' : Buffer.alloc(8, f));
        expectSameFields(m, roundTrip(m));
      }
    });

    it('never accepts field 1 as data', () => {
      expect(() => new IsoMessage('0200').set(1, 'x')).toThrow(UnionPayCodecError);
      expect(() => encodeBitmap([1])).toThrow(/field 1/);
    });
  });

  describe('malformed frames are rejected with a typed error that names the problem', () => {
    const pan = '6222021234567890123';
    const good = encodeFrame(header, new IsoMessage('0200').set(2, pan).set(3, '000000').set(11, '000001'));
    const body = good.subarray(4 + 46);

    function frameWithBody(b: Buffer): Buffer {
      // Rebuild header + prefix around an arbitrary body so only the body is wrong.
      const whole = Buffer.concat([good.subarray(4, 4 + 46), b]);
      whole.write(String(whole.length).padStart(4, '0'), 2, 'latin1');
      return whole;
    }

    function expectError(frame: Buffer, code: string, field?: number): UnionPayCodecError {
      let caught: unknown;
      try {
        decodeFrame(frame);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(UnionPayCodecError);
      const err = caught as UnionPayCodecError;
      expect({ code: err.code, field: err.field }).toEqual({ code, field });
      expect(err.message).not.toContain(pan);
      return err;
    }

    it('rejects a bad frame length prefix', () => {
      expect(() => new FrameReader().push(Buffer.from('12a4xxxx'))).toThrow(/4 decimal digits/);
      expect(() => new FrameReader().push(Buffer.from('0000'))).toThrow(/zero/);
    });

    it('rejects a wrong header length byte and a total length that differs from the frame', () => {
      const h = Buffer.from(good.subarray(4));
      h[0] = 45;
      expectError(h, 'BAD_HEADER');
      const t = Buffer.from(good.subarray(4));
      t.write('0001', 2, 'latin1');
      expectError(t, 'LENGTH_MISMATCH');
      expectError(good.subarray(4, 20), 'BAD_HEADER');
    });

    it('rejects a bad MTI', () => {
      const b = Buffer.from(body);
      b.write('02X0', 0, 'latin1');
      expectError(frameWithBody(b), 'BAD_MTI');
    });

    it('rejects a bitmap announcing a missing secondary bitmap', () => {
      const b = Buffer.from(body.subarray(0, 12));
      b[4] |= 0x80;
      expectError(frameWithBody(b), 'TRUNCATED_BITMAP');
    });

    it('rejects a field the profile does not define', () => {
      const b = Buffer.from(body);
      b[4] |= 0x08; // field 5
      expectError(frameWithBody(b), 'UNKNOWN_FIELD', 5);
    });

    it('rejects a bad or oversized LLVAR length indicator', () => {
      const b = Buffer.from(body);
      b.write('1x', 12, 'latin1');
      expectError(frameWithBody(b), 'BAD_LENGTH_INDICATOR', 2);
      const c = Buffer.from(body);
      c.write('20', 12, 'latin1');
      expectError(frameWithBody(c), 'BAD_FIELD_LENGTH', 2);
    });

    it('rejects non-digits in a numeric field', () => {
      const b = Buffer.from(body);
      b.write('00A000', 12 + 2 + 19, 'latin1');
      expectError(frameWithBody(b), 'BAD_FIELD_CHARACTERS', 3);
    });

    it('rejects a truncated field and trailing bytes', () => {
      expectError(frameWithBody(body.subarray(0, body.length - 2)), 'TRUNCATED_FIELD', 11);
      expectError(frameWithBody(Buffer.concat([body, Buffer.from('99')])), 'TRAILING_BYTES');
    });

    it('maps errors to CUPS-shaped header reject codes', () => {
      expect(rejectCodeFor(new UnionPayCodecError('UNKNOWN_FIELD', 'x', 5))).toBe('10054');
      expect(rejectCodeFor(new UnionPayCodecError('BAD_FIELD_CHARACTERS', 'x', 3))).toBe('10032');
      expect(rejectCodeFor(new UnionPayCodecError('TRUNCATED_FIELD', 'x', 11))).toBe('10111');
      expect(rejectCodeFor(new UnionPayCodecError('LENGTH_MISMATCH', 'x'))).toBe('00031');
    });
  });

  describe('encoding refuses values outside the field format', () => {
    it('checks fixed lengths, maximum lengths, charsets and value types', () => {
      expect(() => encodeBody(new IsoMessage('0200').set(3, '00000'))).toThrow(/field 3: must be exactly 6/);
      expect(() => encodeBody(new IsoMessage('0200').set(2, '1'.repeat(20)))).toThrow(/at most 19/);
      expect(() => encodeBody(new IsoMessage('0200').set(4, '00000000001A'))).toThrow(/charset n/);
      expect(() => encodeBody(new IsoMessage('0200').set(128, 'not bytes'))).toThrow(/expects bytes/);
      expect(() => encodeBody(new IsoMessage('200'))).toThrow(/MTI/);
    });
  });

  describe('FrameReader', () => {
    it('reassembles frames split across chunks and splits frames sharing a chunk', () => {
      const a = encodeFrame(header, sampleRequests()[0]);
      const b = encodeFrame(header, sampleRequests()[6]);
      const stream = Buffer.concat([a, b, a]);
      const reader = new FrameReader();
      const frames: Buffer[] = [];
      for (let i = 0; i < stream.length; i += 7) frames.push(...reader.push(stream.subarray(i, i + 7)));
      expect(frames.map((f) => decodeFrame(f).message.mti)).toEqual(['0100', '0820', '0100']);
      expect(reader.buffered).toBe(0);
    });
  });
});
