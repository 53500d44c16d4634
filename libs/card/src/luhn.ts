// Luhn is ten lines of arithmetic on a digit string; a dependency for it (the npm `luhn` packages) would add
// supply-chain surface on the card-number path for nothing, so it lives here, tested against known vectors.

function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/** Luhn (mod 10) over a string of ASCII digits, check digit last. The one copy every service uses. */
export function luhnValid(digits: string): boolean {
  return luhnSum(digits, false) % 10 === 0;
}

/** The check digit that makes `body` + digit Luhn-valid (for building test card numbers at run time). */
export function luhnCheckDigit(body: string): number {
  // Walking right to left, the digit next to the (future) check digit is doubled first.
  return (10 - (luhnSum(body, true) % 10)) % 10;
}
