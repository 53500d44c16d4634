export { CardDataError } from './card-data-error';
export { CardSecret } from './card-secret';
export {
  expiresAt,
  expiryProblem,
  isExpired,
  isYymm,
  isYymmExpired,
  MAX_YEARS_AHEAD,
  toYymm,
  yearInChina,
  type ExpiryProblem,
} from './expiry';
export { luhnCheckDigit, luhnValid } from './luhn';
export { containsPan, findPanSpans, maskPans, mayContainPan, starDigits, type PanSpan } from './pan-in-text';
export { MAX_PAN_LENGTH, MIN_PAN_LENGTH, maskedPan, maskPan, panProblem, type PanProblem } from './pan';
