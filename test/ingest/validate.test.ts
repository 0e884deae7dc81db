import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, parseEventLine, validateEvent, type EventType, type Validation } from '../../src/ingest/index.ts';
import { VALID } from '../support/samples.ts';

function rejection(v: Validation): Extract<Validation, { ok: false }> {
  if (v.ok) throw new Error(`expected a rejection, got ${JSON.stringify(v.event)}`);
  return v;
}

/** For each type, a malformed variant and the field and rule it must be rejected for. */
const BROKEN: Record<EventType, { change: Record<string, unknown>; drop?: string; field: string; rule: string }[]> = {
  view: [
    { change: { market: 'germany' }, field: 'market', rule: 'pattern' },
    { change: {}, drop: 'item_id', field: 'item_id', rule: 'required' },
  ],
  click: [{ change: { locale: 'french' }, field: 'locale', rule: 'pattern' }],
  add_to_cart: [{ change: { ts: -5 }, field: 'ts', rule: 'minimum' }],
  remove_from_cart: [{ change: { item_id: 'has space' }, field: 'item_id', rule: 'pattern' }],
  purchase: [
    { change: {}, drop: 'currency', field: 'currency', rule: 'required' },
    { change: { quantity: 0 }, field: 'quantity', rule: 'minimum' },
    { change: { price: '9.99' }, field: 'price', rule: 'type' },
  ],
  search: [
    { change: { query: '' }, field: 'query', rule: 'minLength' },
    { change: { results: 'sku-1' }, field: 'results', rule: 'type' },
  ],
  review: [
    { change: { rating: 6 }, field: 'rating', rule: 'maximum' },
    { change: { text: 'x'.repeat(9000) }, field: 'text', rule: 'maxLength' },
  ],
  item_upsert: [
    { change: { titles: {} }, field: 'titles', rule: 'minProperties' },
    { change: { prices: { DE: { amount: -1, currency: 'EUR' } } }, field: 'prices.DE.amount', rule: 'minimum' },
    { change: { available_in: ['DE', 'DE'] }, field: 'available_in', rule: 'uniqueItems' },
    { change: { color: 'red' }, field: 'color', rule: 'additionalProperties' },
  ],
  item_delete: [{ change: { tenant: 'Bad Tenant' }, field: 'tenant', rule: 'pattern' }],
};

describe('validateEvent', () => {
  it.each(EVENT_TYPES)('accepts a valid %s event and fills in the default tenant', (type) => {
    const v = validateEvent(VALID[type]);
    expect(v).toEqual({ ok: true, event: { ...VALID[type], tenant: 'default' } });
  });

  it('keeps a given tenant', () => {
    const v = validateEvent({ ...VALID.view, tenant: 'shop-eu' });
    expect(v.ok && v.event.tenant).toBe('shop-eu');
  });

  for (const type of EVENT_TYPES) {
    for (const { change, drop, field, rule } of BROKEN[type]) {
      it(`rejects a ${type} event with a bad ${field} (${rule})`, () => {
        const raw: Record<string, unknown> = { ...VALID[type], ...change };
        if (drop !== undefined) delete raw[drop];
        const v = rejection(validateEvent(raw));
        expect(v.reason).toBe('invalid_field');
        expect(v.id).toBe(VALID[type].id);
        expect(v.errors).toContainEqual(expect.objectContaining({ field, rule }));
        expect(v.errors.find((e) => e.field === field)?.message).toMatch(new RegExp(`^${field.replace(/\./g, '\\.')}: `));
      });
    }
  }

  it('names the missing property itself, not the object', () => {
    const { currency: _, ...noCurrency } = VALID.purchase;
    expect(rejection(validateEvent(noCurrency)).errors).toEqual([
      { field: 'currency', rule: 'required', message: expect.stringContaining('currency') },
    ]);
  });

  it('rejects a shopper event with neither user_id nor session_id', () => {
    const { user_id: _, ...anonymous } = VALID.view;
    const v = rejection(validateEvent(anonymous));
    expect(v.reason).toBe('missing_shopper');
    expect(v.errors[0]?.field).toBe('user_id');
  });

  it('accepts catalog events without a shopper', () => {
    expect(validateEvent(VALID.item_delete).ok).toBe(true);
  });

  it('rejects an unknown or missing type', () => {
    for (const raw of [{ ...VALID.view, type: 'wishlist' }, { id: 'x' }]) {
      const v = rejection(validateEvent(raw));
      expect(v.reason).toBe('unknown_type');
      expect(v.errors[0]).toMatchObject({ field: 'type', rule: 'enum' });
    }
  });

  it('rejects anything that is not an object', () => {
    for (const raw of [null, 42, 'view', [VALID.view]]) {
      const v = rejection(validateEvent(raw));
      expect(v.reason).toBe('not_an_object');
      expect(v.id).toBeUndefined();
    }
  });

  it('reports at most ten errors', () => {
    const raw: Record<string, unknown> = { ...VALID.view };
    for (let i = 0; i < 20; i++) raw[`extra_${i}`] = i;
    expect(rejection(validateEvent(raw)).errors).toHaveLength(10);
  });
});

describe('parseEventLine', () => {
  it('parses and validates one NDJSON line', () => {
    expect(parseEventLine(JSON.stringify(VALID.search)).ok).toBe(true);
  });

  it('reports a line that is not JSON as unparseable', () => {
    const v = rejection(parseEventLine('{"type": "view",'));
    expect(v.reason).toBe('unparseable');
    expect(v.errors[0]).toMatchObject({ field: 'event', rule: 'json' });
  });
});
