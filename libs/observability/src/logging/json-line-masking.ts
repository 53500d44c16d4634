import { findPanSpans, mayContainPan, starDigits } from '@wxpay/card';

const QUOTE = 34;
const BACKSLASH = 92;
const NUMBER_TOKEN_CHAR = /[-+.eE0-9]/;

/** Answers "is this offset inside a JSON string?" for ascending offsets, scanning the text once. */
class JsonStringTracker {
  private pos = 0;
  private inString = false;

  constructor(private readonly json: string) {}

  insideString(offset: number): boolean {
    const json = this.json;
    while (this.pos < offset) {
      const c = json.charCodeAt(this.pos);
      if (this.inString && c === BACKSLASH) {
        this.pos += 2;
        continue;
      }
      if (c === QUOTE) this.inString = !this.inString;
      this.pos++;
    }
    return this.inString;
  }
}

function widenToNumberToken(json: string, start: number, end: number): [number, number] {
  let s = start;
  let e = end;
  while (s > 0 && NUMBER_TOKEN_CHAR.test(json[s - 1])) s--;
  while (e < json.length && NUMBER_TOKEN_CHAR.test(json[e])) e++;
  return [s, e];
}

/**
 * `maskPans` for one serialised JSON document (a log line). Inside strings digits are starred in place. A PAN
 * that is a bare JSON number is replaced by the masked digits as a string (`"622202******7894"`), because a
 * starred number would no longer be JSON.
 */
export function maskPansInJson(json: string): string {
  if (!mayContainPan(json)) return json;
  const spans = findPanSpans(json);
  if (spans.length === 0) return json;
  const tracker = new JsonStringTracker(json);
  let out = '';
  let from = 0;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    if (tracker.insideString(span.start)) {
      out += json.slice(from, span.start) + starDigits(json, span.start, span.end, span.positions);
      from = span.end;
      continue;
    }
    const [tokenStart, tokenEnd] = widenToNumberToken(json, span.start, span.end);
    // An integer part and a fraction can both look like PANs; star them together in one quoted token.
    const positions = [...span.positions];
    while (i + 1 < spans.length && spans[i + 1].start < tokenEnd) positions.push(...spans[++i].positions);
    out += json.slice(from, tokenStart) + '"' + starDigits(json, tokenStart, tokenEnd, positions) + '"';
    from = tokenEnd;
  }
  return out + json.slice(from);
}
