import { type GeoFix, type GeoPoint } from '../engine/risk-subject';

/** Devices remembered per card; the oldest is forgotten beyond this. */
export const MAX_DEVICES_PER_CARD = 16;

export interface CardProfile {
  /** Devices with which the card has had a payment authorised, oldest first. */
  devices: string[];
  /** Event time of the card's first authorised cross-border payment, if any. */
  crossBorderAt: number | null;
  /** The latest known position (event time), from authorised payments and attempts that were not rejected. */
  lastGeo: GeoFix | null;
}

/** What learning from a fact changed, so the durable part (devices, cross-border) can be written. */
export interface ProfileChange {
  newDevice?: string;
  firstCrossBorderAt?: number;
}

/**
 * Long-lived per-card facts (beyond the 24 h windows). Devices and first cross-border use are persisted
 * (table card_profile); the last position is rebuilt from the last 24 h of events at start.
 */
export class CardProfiles {
  private readonly profiles = new Map<string, CardProfile>();

  constructor(private readonly maxCards = 2_000_000) {}

  get size(): number {
    return this.profiles.size;
  }

  get(card: string): CardProfile | undefined {
    return this.profiles.get(card);
  }

  knowsDevice(card: string, device: string): boolean {
    return device !== '' && (this.profiles.get(card)?.devices.includes(device) ?? false);
  }

  crossBorderSeen(card: string): boolean {
    return (this.profiles.get(card)?.crossBorderAt ?? null) !== null;
  }

  lastGeo(card: string): GeoFix | null {
    return this.profiles.get(card)?.lastGeo ?? null;
  }

  learnDevice(card: string, device: string): boolean {
    if (!device) return false;
    const p = this.profileOf(card);
    if (p.devices.includes(device)) return false;
    p.devices.push(device);
    if (p.devices.length > MAX_DEVICES_PER_CARD) p.devices.shift();
    return true;
  }

  /** Keeps the earliest cross-border instant; true when this is the card's first. */
  markCrossBorder(card: string, at: number): boolean {
    const p = this.profileOf(card);
    if (p.crossBorderAt !== null && p.crossBorderAt <= at) return false;
    const first = p.crossBorderAt === null;
    p.crossBorderAt = at;
    return first;
  }

  /** Keeps the latest position by event time, so replay order does not matter. */
  updateGeo(card: string, point: GeoPoint, at: number): void {
    const p = this.profileOf(card);
    if (p.lastGeo && p.lastGeo.at >= at) return;
    p.lastGeo = { lat: point.lat, lon: point.lon, at };
  }

  /** Undoes learnDevice (a rolled-back fact). */
  forgetDevice(card: string, device: string): void {
    const p = this.profiles.get(card);
    if (!p) return;
    const at = p.devices.lastIndexOf(device);
    if (at >= 0) p.devices.splice(at, 1);
  }

  /** Puts back values saved before a fact that was rolled back. */
  revert(card: string, crossBorderAt: number | null, lastGeo: GeoFix | null): void {
    const p = this.profiles.get(card);
    if (!p) return;
    p.crossBorderAt = crossBorderAt;
    p.lastGeo = lastGeo;
  }

  restore(card: string, devices: string[], crossBorderAt: number | null): void {
    const p = this.profileOf(card);
    p.devices = devices.slice(-MAX_DEVICES_PER_CARD);
    p.crossBorderAt = crossBorderAt;
  }

  private profileOf(card: string): CardProfile {
    let p = this.profiles.get(card);
    if (!p) {
      if (this.profiles.size >= this.maxCards) {
        // Bounded: forget the oldest-inserted profile (its card will look new again, which errs on caution).
        const oldest = this.profiles.keys().next().value;
        if (oldest !== undefined) this.profiles.delete(oldest);
      }
      p = { devices: [], crossBorderAt: null, lastGeo: null };
      this.profiles.set(card, p);
    }
    return p;
  }
}
