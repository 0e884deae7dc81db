import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, validateEvent, type MeridianEvent } from '../../src/ingest/index.ts';
import { VALID } from '../support/samples.ts';
import { hostileValue, wellFormedEverywhere } from './arbitraries.ts';

const REASONS = ['not_an_object', 'unknown_type', 'invalid_field', 'missing_shopper', 'unparseable'];

/** Every field name an event of any type may carry, plus a few no type has. */
const FIELDS = [...new Set(Object.values(VALID).flatMap((e) => Object.keys(e)).concat('tenant', 'x', '__proto__', 'constructor'))];

/** A valid event of some type with one to three of its fields set to hostile values (or deleted). */
const mutated = fc
  .tuple(
    fc.constantFrom(...EVENT_TYPES),
    fc.array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(hostileValue, { nil: undefined })), { minLength: 1, maxLength: 3 }),
  )
  .map(([type, changes]) => {
    const e: Record<string, unknown> = structuredClone(VALID[type]);
    for (const [field, value] of changes) {
      if (value === undefined) delete e[field];
      else Object.defineProperty(e, field, { value, enumerable: true, writable: true, configurable: true });
    }
    return e;
  });

function checkOutcome(raw: unknown): void {
  const v = validateEvent(raw);
  if (v.ok) {
    // What is accepted is what every store can hold.
    expect(wellFormedEverywhere(v.event)).toBe(true);
    expect(typeof v.event.tenant).toBe('string');
    return;
  }
  expect(REASONS).toContain(v.reason);
  expect(v.errors.length).toBeGreaterThan(0);
  for (const err of v.errors) {
    expect(err.field.length).toBeGreaterThan(0);
    expect(err.message).toContain(err.field === 'event' ? 'event' : err.field.split('/')[0]);
  }
}

describe('event validation under arbitrary input', () => {
  it('never throws on any JSON value and names a field for every rejection', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), checkOutcome), { numRuns: 500 });
  });

  it('never throws on a valid event with hostile fields, and accepts only what a store can hold', () => {
    fc.assert(fc.property(mutated, checkOutcome), { numRuns: 2000 });
  });

  it('keeps the valid examples valid (the properties above are not vacuous)', () => {
    for (const type of EVENT_TYPES) expect(validateEvent(VALID[type]).ok, type).toBe(true);
    const accepted = fc.sample(mutated, { numRuns: 500, seed: 1 }).filter((e) => validateEvent(e).ok);
    expect(accepted.length).toBeGreaterThan(0);
  });

  it('refuses a lone surrogate in an id', () => {
    const v = validateEvent({ ...VALID.view, user_id: 'x\ud800' });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors.map((e) => e.field)).toContain('user_id');
    expect(wellFormedEverywhere({ id: 'a', user_id: 'x\ud800' } as unknown as MeridianEvent)).toBe(false);
  });
});
