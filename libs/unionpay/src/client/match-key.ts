import { type IsoMessage } from '../codec/iso-message';
import { responseMtiOf } from '../profile/message-types';

/**
 * Responses are matched to requests by response MTI, STAN (F11) and RRN (F37) — or the network management
 * code (F70) for 08xx, which carry no RRN. Terminal and acquirer ids are fixed per connection.
 */
export function requestMatchKey(request: IsoMessage): string {
  return `${responseMtiOf(request.mti)}|${request.text(11) ?? ''}|${request.text(37) ?? request.text(70) ?? ''}`;
}

export function responseMatchKey(response: IsoMessage): string {
  return `${response.mti}|${response.text(11) ?? ''}|${response.text(37) ?? response.text(70) ?? ''}`;
}
