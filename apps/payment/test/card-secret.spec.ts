import { inspect } from 'util';
import { CardSecret } from '../src/ports/vault.port';

describe('CardSecret', () => {
  it('never shows the card number in JSON, strings or inspection', () => {
    const card = new CardSecret('6222021234567890123', '12', '2030');
    const outputs = [JSON.stringify({ card }), String(card), inspect(card), inspect({ nested: { card } })];
    for (const out of outputs) expect(out).not.toContain('6222021234567890123');
    expect(card.pan).toBe('6222021234567890123');
  });
});
