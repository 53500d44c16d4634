import { UnionPayCodecError } from '../errors/unionpay-errors';

/** F90 (n42): the original message's MTI, STAN, transmission time and institutions (fact sheet §2.3). */
export interface OriginalDataElements {
  mti: string;
  stan: string;
  transmissionDateTime: string;
  acquirerId: string;
  forwardingId: string;
}

function institution(id: string): string {
  if (!/^[0-9]{1,11}$/.test(id))
    throw new UnionPayCodecError('BAD_FIELD_CHARACTERS', 'institution ids are 1-11 digits', 90);
  return id.padStart(11, '0');
}

export function encodeOriginalData(o: OriginalDataElements): string {
  const value = `${o.mti}${o.stan}${o.transmissionDateTime}${institution(o.acquirerId)}${institution(o.forwardingId)}`;
  if (!/^[0-9]{42}$/.test(value)) throw new UnionPayCodecError('BAD_FIELD_LENGTH', 'must be 42 digits', 90);
  return value;
}

export function decodeOriginalData(value: string): OriginalDataElements {
  if (!/^[0-9]{42}$/.test(value)) throw new UnionPayCodecError('BAD_FIELD_LENGTH', 'must be 42 digits', 90);
  const strip = (s: string) => s.replace(/^0+(?=\d)/, '');
  return {
    mti: value.slice(0, 4),
    stan: value.slice(4, 10),
    transmissionDateTime: value.slice(10, 20),
    acquirerId: strip(value.slice(20, 31)),
    forwardingId: strip(value.slice(31, 42)),
  };
}
