import { type PaymentEventType } from '@wxpay/contracts';

export type Scene = 'ONLINE' | 'OFFLINE_QR' | 'CROSS_BORDER';
export const SCENES: readonly Scene[] = ['ONLINE', 'OFFLINE_QR', 'CROSS_BORDER'];

export type DecisionOutcome = 'APPROVE' | 'REVIEW' | 'REJECT';

export interface GeoPoint {
  lat: number;
  lon: number;
}

/** A position at an instant (event time), to measure travel between two events of one card. */
export interface GeoFix extends GeoPoint {
  at: number;
}

/** Where an event happened, as reported: coordinates and/or country + city. */
export interface GeoReport {
  point?: GeoPoint;
  country?: string;
  city?: string;
}

/** One payment attempt as `Evaluate` received it, validated. Amounts are integer minor units. */
export interface Attempt {
  attemptId?: string;
  cardToken: string;
  amountMinor: number;
  currency: string;
  merchantId: string;
  mcc: string;
  scene: Scene;
  payerId: string;
  deviceId: string;
  ip: string;
  geo: GeoReport;
  /** Event time, epoch milliseconds. */
  at: number;
}

export type SubjectType = 'Attempt' | PaymentEventType;

/**
 * What rules look at: an attempt (synchronous path) or a payment lifecycle fact (stream path), normalised to one
 * shape so one compiled rule language serves both. Unknown text fields are ''.
 */
export interface RiskSubject {
  eventType: SubjectType;
  cardToken: string;
  amountMinor: number;
  currency: string;
  /** The amount converted to CNY fen with the engine's indicative rates (windows sum in one unit). */
  amountCny: number;
  merchantId: string;
  mcc: string;
  scene: Scene | '';
  payerId: string;
  deviceId: string;
  ip: string;
  country: string;
  city: string;
  /** Reported coordinates, or the centroid of a known city; null when neither is known. */
  point: GeoPoint | null;
  at: number;
}
