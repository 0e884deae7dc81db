import { describe, expect, it } from 'vitest';
import { MARKETS, localPrice, marketInfo, roundPrice } from '../../src/simulate/index.ts';

describe('markets', () => {
  it('has at least six markets with their locale and currency', () => {
    const expected: Record<string, [string, string]> = {
      US: ['en-US', 'USD'],
      GB: ['en-GB', 'GBP'],
      DE: ['de-DE', 'EUR'],
      FR: ['fr-FR', 'EUR'],
      ES: ['es-ES', 'EUR'],
      JP: ['ja-JP', 'JPY'],
      BR: ['pt-BR', 'BRL'],
    };
    expect(MARKETS.length).toBeGreaterThanOrEqual(6);
    for (const [code, [locale, currency]] of Object.entries(expected)) {
      const m = marketInfo(code);
      expect([m.locale, m.currency]).toEqual([locale, currency]);
      expect(m.lang).toBe(locale.slice(0, 2));
    }
    expect(new Set(MARKETS.map((m) => m.market)).size).toBe(MARKETS.length);
    expect(MARKETS.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 6);
  });

  it('rejects an unknown market with a clear error', () => {
    expect(() => marketInfo('XX')).toThrow(/unknown market "XX"/);
  });

  it('rounds shelf prices the way each market writes them', () => {
    expect(roundPrice(23.4, 'x.99')).toBe(23.99);
    expect(roundPrice(24, 'x.99')).toBe(23.99);
    expect(roundPrice(0.2, 'x.99')).toBe(0.99);
    expect(roundPrice(437.2, 'x.99')).toBe(439.99);
    expect(roundPrice(99.1, 'x.90')).toBe(99.9);
    expect(roundPrice(1843, 'yen')).toBe(1880);
    expect(roundPrice(433, 'yen')).toBe(440);
    expect(() => roundPrice(-1, 'x.99')).toThrow(RangeError);
  });

  it('derives local prices from one USD price through FX', () => {
    expect(localPrice(100, marketInfo('US'))).toBe(99.99);
    const yen = localPrice(100, marketInfo('JP'));
    expect(Number.isInteger(yen)).toBe(true);
    expect(yen).toBeGreaterThan(100 * 150 * 0.99);
    expect(String(localPrice(100, marketInfo('BR')))).toMatch(/\.9$/);
    expect(localPrice(100, marketInfo('GB'))).toBeLessThan(localPrice(100, marketInfo('US')));
  });
});
