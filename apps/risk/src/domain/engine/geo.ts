import { type GeoFix, type GeoPoint, type GeoReport } from './risk-subject';

const EARTH_RADIUS_KM = 6371.0088;
const toRad = (deg: number) => (deg * Math.PI) / 180;

export function distanceKm(a: GeoPoint, b: GeoPoint): number {
  const dLat = toRad(b.lat - a.lat);
  const dLon = toRad(b.lon - a.lon);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Below this, two positions are the same place as far as IP/GPS geolocation can tell. */
export const SAME_PLACE_KM = 50;
/** Two events a few seconds apart would otherwise give absurd speeds from geolocation noise. */
const MIN_ELAPSED_HOURS = 1 / 60;

/** km/h between two fixes; 0 within SAME_PLACE_KM. */
export function travelSpeedKmh(from: GeoFix, to: GeoPoint, at: number): number {
  const km = distanceKm(from, to);
  if (km < SAME_PLACE_KM) return 0;
  const hours = Math.max(Math.abs(at - from.at) / 3_600_000, MIN_ELAPSED_HOURS);
  return km / hours;
}

/**
 * Centroids of cities where cardholders of a Chinese bank commonly pay, so that an event reporting only
 * country + city still has a position for the impossible-travel check.
 */
const CITY_CENTROIDS: Record<string, GeoPoint> = {
  'CN:beijing': { lat: 39.9042, lon: 116.4074 },
  'CN:shanghai': { lat: 31.2304, lon: 121.4737 },
  'CN:guangzhou': { lat: 23.1291, lon: 113.2644 },
  'CN:shenzhen': { lat: 22.5431, lon: 114.0579 },
  'CN:hangzhou': { lat: 30.2741, lon: 120.1551 },
  'CN:chengdu': { lat: 30.5728, lon: 104.0668 },
  'CN:wuhan': { lat: 30.5928, lon: 114.3055 },
  'CN:xian': { lat: 34.3416, lon: 108.9398 },
  'CN:nanjing': { lat: 32.0603, lon: 118.7969 },
  'CN:chongqing': { lat: 29.563, lon: 106.5516 },
  'CN:urumqi': { lat: 43.8256, lon: 87.6168 },
  'CN:harbin': { lat: 45.8038, lon: 126.535 },
  'CN:sanya': { lat: 18.2528, lon: 109.512 },
  'HK:hong kong': { lat: 22.3193, lon: 114.1694 },
  'MO:macau': { lat: 22.1987, lon: 113.5439 },
  'TW:taipei': { lat: 25.033, lon: 121.5654 },
  'JP:tokyo': { lat: 35.6762, lon: 139.6503 },
  'JP:osaka': { lat: 34.6937, lon: 135.5023 },
  'KR:seoul': { lat: 37.5665, lon: 126.978 },
  'SG:singapore': { lat: 1.3521, lon: 103.8198 },
  'TH:bangkok': { lat: 13.7563, lon: 100.5018 },
  'MY:kuala lumpur': { lat: 3.139, lon: 101.6869 },
  'AE:dubai': { lat: 25.2048, lon: 55.2708 },
  'GB:london': { lat: 51.5072, lon: -0.1276 },
  'FR:paris': { lat: 48.8566, lon: 2.3522 },
  'DE:frankfurt': { lat: 50.1109, lon: 8.6821 },
  'IT:milan': { lat: 45.4642, lon: 9.19 },
  'US:new york': { lat: 40.7128, lon: -74.006 },
  'US:los angeles': { lat: 34.0522, lon: -118.2437 },
  'US:san francisco': { lat: 37.7749, lon: -122.4194 },
  'AU:sydney': { lat: -33.8688, lon: 151.2093 },
};

/** The reported coordinates, else a known city's centroid, else null. */
export function resolvePoint(geo: GeoReport): GeoPoint | null {
  if (geo.point) return geo.point;
  if (!geo.country || !geo.city) return null;
  return CITY_CENTROIDS[`${geo.country}:${geo.city.trim().toLowerCase()}`] ?? null;
}
