import { describe, expect, it } from 'vitest';
import { isShopperEvent, type MeridianEvent } from '../../src/ingest/index.ts';
import { SEQUENCE_EVENT_TYPES, sequenceItem } from '../../src/models/index.ts';
import { byTime, encoderItem, firstOfEachId, notApplied } from '../../src/online/batch.ts';
import { everyType, view } from '../support/samples.ts';

describe('the items an event moves a shopper with', () => {
  const byType = Object.fromEntries(everyType('t').map((e) => [e.type, e]));
  const of = (rule: (e: MeridianEvent) => string | undefined): Record<string, string | undefined> =>
    Object.fromEntries(Object.entries(byType).map(([type, e]) => [type, rule(e)]));

  it('for the sequence model: the item of a view, click, cart or purchase, nothing else', () => {
    expect(of(sequenceItem)).toEqual({
      view: 'sku-1', click: 'sku-1', add_to_cart: 'sku-2', purchase: 'sku-3',
      remove_from_cart: undefined, search: undefined, review: undefined, item_upsert: undefined, item_delete: undefined,
    });
    expect([...SEQUENCE_EVENT_TYPES]).toEqual(['view', 'click', 'add_to_cart', 'purchase']);
  });

  it('for the user encoder: the item of every shopper event, the clicked result of a search', () => {
    expect(of((e) => (isShopperEvent(e) ? encoderItem(e) : undefined))).toEqual({
      view: 'sku-1', click: 'sku-1', add_to_cart: 'sku-2', purchase: 'sku-3',
      remove_from_cart: 'sku-2', search: 'sku-4', review: 'sku-1', item_upsert: undefined, item_delete: undefined,
    });
  });
});

describe("a tenant's batch", () => {
  it('keeps the first of each id in event-time order, with its shopper key', () => {
    const [a, b] = [view('t', 1), view('t', 2, { user_id: undefined, session_id: 's9' })];
    const again = { ...a, ts: (b as MeridianEvent).ts + 1 } as MeridianEvent;
    const sorted = [again, b, a].sort(byTime);
    expect(sorted).toEqual([a, b, again]);
    const distinct = firstOfEachId(sorted);
    expect(distinct).toEqual({ events: [a, b], keys: ['u:u1', 's:s9'] });
    expect(notApplied(distinct, [true, false])).toEqual({ events: [b], keys: ['s:s9'] });
  });
});
