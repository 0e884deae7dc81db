import type { EventType, MeridianEvent } from '../../src/ingest/index.ts';

const TS = 1_700_000_000_000;

/** One valid wire-format example of every event type (tenant omitted: it defaults). */
export const VALID: Record<EventType, Record<string, unknown>> = {
  view: { type: 'view', id: 'ev-view', market: 'DE', locale: 'de-DE', user_id: 'u1', ts: TS, item_id: 'sku-1' },
  click: { type: 'click', id: 'ev-click', market: 'FR', locale: 'fr-FR', session_id: 's1', ts: TS, item_id: 'sku-1' },
  add_to_cart: { type: 'add_to_cart', id: 'ev-atc', market: 'JP', locale: 'ja-JP', user_id: 'u1', ts: TS, item_id: 'sku-2' },
  remove_from_cart: { type: 'remove_from_cart', id: 'ev-rfc', market: 'JP', locale: 'ja-JP', user_id: 'u1', ts: TS, item_id: 'sku-2' },
  purchase: {
    type: 'purchase', id: 'ev-buy', market: 'BR', locale: 'pt-BR', user_id: 'u1', session_id: 's1', ts: TS,
    item_id: 'sku-3', quantity: 2, price: 19.9, currency: 'BRL',
  },
  search: {
    type: 'search', id: 'ev-search', market: 'DE', locale: 'de-DE', session_id: 's2', ts: TS,
    query: 'laufschuhe', results: ['sku-1', 'sku-4'], clicked_item_id: 'sku-4',
  },
  review: { type: 'review', id: 'ev-review', market: 'US', locale: 'en-US', user_id: 'u2', ts: TS, item_id: 'sku-1', rating: 4, text: 'Fits well' },
  item_upsert: {
    type: 'item_upsert', id: 'ev-item', ts: TS, item_id: 'sku-9',
    titles: { 'de-DE': 'Laufschuh „Blitz"', 'ja-JP': 'ランニングシューズ' },
    descriptions: { 'de-DE': 'Leicht' },
    category: 'shoes/running', brand: 'Acme',
    prices: { DE: { amount: 89.99, currency: 'EUR' }, JP: { amount: 12000, currency: 'JPY' } },
    available_in: ['DE', 'JP'],
  },
  item_delete: { type: 'item_delete', id: 'ev-del', ts: TS, item_id: 'sku-9' },
};

/** A view event of `tenant`, for stores and buses. */
export function view(tenant: string, i: number, over: Partial<Record<string, unknown>> = {}): MeridianEvent {
  return {
    type: 'view',
    id: `${tenant}-e${String(i).padStart(6, '0')}`,
    tenant,
    market: 'DE',
    locale: 'de-DE',
    user_id: 'u1',
    ts: TS + i,
    item_id: `sku-${i % 17}`,
    ...over,
  } as MeridianEvent;
}

/** Every sample type as a stored event of `tenant`, ids made unique per tenant. */
export function everyType(tenant: string): MeridianEvent[] {
  return Object.values(VALID).map((e, i) => ({ ...e, tenant, id: `${tenant}-${String(e.id)}`, ts: TS + i }) as MeridianEvent);
}
