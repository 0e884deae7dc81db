import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_EVENT_TIME_WINDOW,
  eventTimeBounds,
  parseEventLine,
  validateEvent,
  type Validation,
} from '../../src/ingest/index.ts';
import { VALID } from '../support/samples.ts';

function rejection(v: Validation): Extract<Validation, { ok: false }> {
  if (v.ok) throw new Error(`expected a rejection, got ${JSON.stringify(v.event)}`);
  return v;
}

const NOW = Date.UTC(2026, 11, 8, 12);
const bounds = eventTimeBounds(DEFAULT_EVENT_TIME_WINDOW, NOW);

describe('text that no store can take', () => {
  it.each([
    ['user_id', { ...VALID.view, user_id: 'x\ud800' }],
    ['session_id', { ...VALID.click, session_id: '\udc00s' }],
    ['id', { ...VALID.view, id: 'ev-\udbff' }],
    ['item_id', { ...VALID.view, item_id: 'sku\ud800\ud800' }],
    ['query', { ...VALID.search, query: 'schuhe \ud83d' }],
    ['results.1', { ...VALID.search, results: ['sku-1', 'sku-\udfff'] }],
    ['text', { ...VALID.review, text: 'ok\ud800 fine' }],
    ['titles.de-DE', { ...VALID.item_upsert, titles: { 'de-DE': 'Schuh\udc00' } }],
    ['descriptions.de-DE', { ...VALID.item_upsert, descriptions: { 'de-DE': '\ud800' } }],
    ['category', { ...VALID.item_upsert, category: 'shoes\ud800' }],
    ['brand', { ...VALID.item_upsert, brand: '\udc00Acme' }],
  ])('a lone surrogate in %s is rejected, naming the field', (field, event) => {
    const v = rejection(validateEvent(event));
    expect(v.reason).toBe('invalid_field');
    expect(v.errors).toEqual([{ field, rule: 'wellFormed', message: expect.stringContaining(`${field}: must be well-formed`) }]);
  });

  it('a lone surrogate in a JSON line (escaped, as a client sends it) is rejected', () => {
    const line = JSON.stringify({ ...VALID.view }).replace('"user_id":"u1"', '"user_id":"x\\ud800"');
    expect(line).toContain('\\ud800');
    expect(rejection(parseEventLine(line)).errors[0]?.field).toBe('user_id');
  });

  it('well-formed text outside the BMP (a surrogate pair) is accepted everywhere', () => {
    expect(validateEvent({ ...VALID.view, user_id: 'u-😀', item_id: 'sku-𝄞' }).ok).toBe(true);
    expect(validateEvent({ ...VALID.review, text: 'great 👍🏽' }).ok).toBe(true);
  });

  it.each(['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\u009b'])('an id with control character U+%s is rejected (pattern)', (c) => {
    const v = rejection(validateEvent({ ...VALID.view, user_id: `u${c}1` }));
    expect(v.errors[0]).toMatchObject({ field: 'user_id', rule: 'pattern' });
  });

  it('control characters stay allowed in free text (a review may hold a newline)', () => {
    expect(validateEvent({ ...VALID.review, text: 'line one\nline two\ttab' }).ok).toBe(true);
  });
});

describe('event time window', () => {
  it('defaults: 24 h ahead of the clock, nothing before 2000-01-01', () => {
    expect(DEFAULT_EVENT_TIME_WINDOW).toEqual({ maxAheadMs: 86_400_000, earliestTs: Date.UTC(2000, 0, 1) });
    expect(bounds).toEqual({ min: Date.UTC(2000, 0, 1), max: NOW + 86_400_000 });
  });

  it('accepts the edges: exactly the margin ahead, exactly the floor, and old logs', () => {
    expect(validateEvent({ ...VALID.view, ts: bounds.max }, bounds).ok).toBe(true);
    expect(validateEvent({ ...VALID.view, ts: bounds.min }, bounds).ok).toBe(true);
    expect(validateEvent({ ...VALID.view, ts: Date.UTC(2003, 5, 1) }, bounds).ok).toBe(true);
  });

  it('a far-future ts is rejected, naming ts (maximum)', () => {
    for (const ts of [bounds.max + 1, 8_640_000_000_000_000, Date.UTC(2100, 0, 1)]) {
      const v = rejection(validateEvent({ ...VALID.view, ts }, bounds));
      expect(v.reason).toBe('invalid_field');
      expect(v.errors).toEqual([{ field: 'ts', rule: 'maximum', message: expect.stringMatching(/^ts: .*ahead of the clock/) }]);
    }
  });

  it('a far-past ts is rejected, naming ts (minimum)', () => {
    for (const ts of [0, 1000, bounds.min - 1]) {
      const v = rejection(validateEvent({ ...VALID.item_upsert, ts }, bounds));
      expect(v.errors).toEqual([{ field: 'ts', rule: 'minimum', message: expect.stringMatching(/^ts: .*before the earliest/) }]);
    }
  });

  it('without bounds any ts the schema allows passes (log readers, stored events)', () => {
    expect(validateEvent({ ...VALID.view, ts: 1000 }).ok).toBe(true);
  });
});

describe('properties (fast-check)', () => {
  const FIELDS = ['id', 'user_id', 'session_id', 'item_id', 'query', 'text', 'category', 'brand'] as const;
  const everyString = (v: unknown, out: string[] = []): string[] => {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, inner] of Object.entries(v)) {
        out.push(k);
        everyString(inner, out);
      }
    }
    return out;
  };

  it('validation never throws, and whatever it accepts holds only well-formed text and ts inside the window', () => {
    const types = Object.keys(VALID) as (keyof typeof VALID)[];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.constantFrom(...FIELDS), fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: -1, max: 8_640_000_000_000_000 }), (type, field, value, ts) => {
        const event = { ...VALID[type], [field]: value, ts };
        const v = validateEvent(event, bounds);
        if (v.ok) {
          expect(everyString(v.event).every((s) => s.isWellFormed())).toBe(true);
          expect(v.event.ts >= bounds.min && v.event.ts <= bounds.max).toBe(true);
        } else {
          expect(v.errors.length).toBeGreaterThan(0);
          for (const e of v.errors) expect(e.field.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000, seed: 14 },
    );
  });

  it('any JSON value is answered, never thrown', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (raw) => {
        expect(() => validateEvent(raw, bounds)).not.toThrow();
      }),
      { numRuns: 1000, seed: 14 },
    );
  });
});
