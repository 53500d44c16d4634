import { travelSpeedKmh, distanceKm } from '../engine/geo';
import { type Frame } from '../state/risk-state';

export type ValueType = 'number' | 'string' | 'boolean';
export type Value = number | string | boolean | null;

export interface FeatureDef {
  type: ValueType;
  /** May be null (unknown); comparisons with null are false. */
  nullable: boolean;
  description: string;
  get: (f: Frame) => Value;
}

const CST_OFFSET_MS = 8 * 3_600_000; // China Standard Time, UTC+8 all year

/** Hour of day (0..23) in China Standard Time. */
export function chinaHour(at: number): number {
  return Math.floor(((at + CST_OFFSET_MS) % 86_400_000) / 3_600_000);
}

const str = (description: string, get: (f: Frame) => string): FeatureDef => ({
  type: 'string',
  nullable: false,
  description,
  get,
});
const num = (description: string, get: (f: Frame) => number): FeatureDef => ({
  type: 'number',
  nullable: false,
  description,
  get,
});
const bool = (description: string, get: (f: Frame) => boolean): FeatureDef => ({
  type: 'boolean',
  nullable: false,
  description,
  get,
});

/** Everything a rule can read about the subject besides windows and lists. */
export const FEATURES: Record<string, FeatureDef> = {
  event_type: str('Attempt, or the payment event type (monitoring rules)', (f) => f.s.eventType),
  amount: num('amount in minor units of its currency', (f) => f.s.amountMinor),
  amount_cny: num('amount in CNY fen (indicative rates)', (f) => f.s.amountCny),
  currency: str('ISO 4217 code', (f) => f.s.currency),
  scene: str("ONLINE, OFFLINE_QR or CROSS_BORDER ('' if unknown)", (f) => f.s.scene),
  mcc: str("merchant category code ('' if unknown)", (f) => f.s.mcc),
  merchant_id: str('merchant id', (f) => f.s.merchantId),
  card_token: str('card token', (f) => f.s.cardToken),
  device_id: str("device id ('' if unknown)", (f) => f.s.deviceId),
  ip: str("IP address ('' if unknown)", (f) => f.s.ip),
  payer_id: str("payer openid ('' if unknown)", (f) => f.s.payerId),
  country: str("ISO 3166 country ('' if unknown)", (f) => f.s.country),
  city: str("city ('' if unknown)", (f) => f.s.city),
  local_hour: num('hour of day in China Standard Time (UTC+8), 0..23', (f) => chinaHour(f.s.at)),
  card_status: str('ACTIVE, SUSPENDED or DELETED', (f) => f.cardStatus()),
  device_known: bool('the card has had a payment authorised on this device', (f) => f.deviceKnown),
  cross_border_seen: bool('the card has had a cross-border payment authorised', (f) => f.crossBorderSeen),
  has_geo: bool('the subject has a position', (f) => f.s.point !== null),
  travel_km: {
    type: 'number',
    nullable: true,
    description: 'km from the card’s last known position (null if either is unknown)',
    get: (f) => (f.prevGeo && f.s.point ? distanceKm(f.prevGeo, f.s.point) : null),
  },
  travel_speed_kmh: {
    type: 'number',
    nullable: true,
    description: 'speed needed to come from the last known position (0 within 50 km; null if unknown)',
    get: (f) => (f.prevGeo && f.s.point ? travelSpeedKmh(f.prevGeo, f.s.point, f.s.at) : null),
  },
};
