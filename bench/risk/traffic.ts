/**
 * Deterministic synthetic traffic for the risk benchmarks: many ordinary cardholders, a few card-testing bursts,
 * night-time and cross-border payments, travellers, declines — so that most rules fire now and then, as they
 * would on real traffic, rather than never (too easy) or always.
 */
import { type Attempt, type Scene } from '../../apps/risk/src/domain/engine/risk-subject';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** The vault token of synthetic card number `n` (tok_ + 26 base32 characters, as the vault issues them). */
export function cardTokenOf(n: number): string {
  let out = '';
  for (let v = n; out.length < 26; v = Math.floor(v / 32)) out = BASE32[v % 32] + out;
  return `tok_${out}`;
}

const CITIES = [
  { country: 'CN', city: 'Beijing', lat: 39.9042, lon: 116.4074 },
  { country: 'CN', city: 'Shanghai', lat: 31.2304, lon: 121.4737 },
  { country: 'CN', city: 'Shenzhen', lat: 22.5431, lon: 114.0579 },
  { country: 'CN', city: 'Chengdu', lat: 30.5728, lon: 104.0668 },
];
const ABROAD = [
  { country: 'JP', city: 'Tokyo', lat: 35.6762, lon: 139.6503 },
  { country: 'FR', city: 'Paris', lat: 48.8566, lon: 2.3522 },
];
const MCCS = ['5411', '5812', '5814', '5311', '4121', '5999', '5732', '7011', '4511', '7995'];

export interface TrafficOptions {
  attempts: number;
  cards?: number;
  merchants?: number;
  /** Simulated attempts per second of event time (spreads traffic over hours, through the night). */
  ratePerSecond?: number;
  start?: number;
  seed?: number;
}

export interface TrafficItem {
  kind: 'attempt' | 'PaymentFailed' | 'PaymentAuthorized';
  attempt: Attempt;
}

/** Attempts, with a decline or an authorisation after some of them (as the payment service would report). */
export function generateTraffic(o: TrafficOptions): TrafficItem[] {
  const r = rng(o.seed ?? 42);
  const cards = o.cards ?? 50_000;
  const merchants = o.merchants ?? 2_000;
  const rate = o.ratePerSecond ?? 50;
  const start = o.start ?? Date.parse('2026-11-24T12:00:00.000Z'); // 20:00 CST: the run crosses the night
  const items: TrafficItem[] = [];
  let burstCard = -1;
  let burstLeft = 0;
  for (let i = 0; i < o.attempts; i++) {
    const at = start + Math.floor((i / rate) * 1000);
    let card: number;
    if (burstLeft > 0) {
      card = burstCard;
      burstLeft--;
    } else if (r() < 0.002) {
      burstCard = Math.floor(r() * cards);
      burstLeft = 8; // card testing: a quick series on one card
      card = burstCard;
    } else {
      card = Math.floor(r() ** 1.3 * cards); // some cards pay much more often than others
    }
    const traveller = card % 97 === 0;
    const crossBorder = traveller || r() < 0.02;
    const home = CITIES[card % CITIES.length]!;
    const place = crossBorder ? ABROAD[card % ABROAD.length]! : home;
    const scene: Scene = crossBorder ? 'CROSS_BORDER' : r() < 0.2 ? 'OFFLINE_QR' : 'ONLINE';
    const merchant = Math.floor(r() * merchants);
    const big = r() < 0.03;
    const amountMinor = Math.max(
      100,
      Math.round(big ? 400_000 + r() * 3_000_000 : 1_000 + r() ** 3 * 60_000),
    );
    const attempt: Attempt = {
      attemptId: `pay-${i}`,
      cardToken: cardTokenOf(card),
      amountMinor: crossBorder ? Math.round(amountMinor / 7) : amountMinor,
      currency: crossBorder ? 'USD' : 'CNY',
      merchantId: `mch-${merchant}`,
      mcc: r() < 0.001 ? '7995' : MCCS[merchant % (MCCS.length - 1)]!,
      scene,
      payerId: `openid-${card}`,
      deviceId: `dev-${card}-${r() < 0.05 ? 'new' : 'home'}`,
      ip: `10.${(card >> 16) & 255}.${(card >> 8) & 255}.${card & 255}`,
      geo: { point: { lat: place.lat, lon: place.lon }, country: place.country, city: place.city },
      at,
    };
    items.push({ kind: 'attempt', attempt });
    const after = r();
    if (after < 0.05) items.push({ kind: 'PaymentFailed', attempt: { ...attempt, at: at + 500 } });
    else if (after < 0.35) items.push({ kind: 'PaymentAuthorized', attempt: { ...attempt, at: at + 500 } });
  }
  return items;
}
