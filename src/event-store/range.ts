import { MeridianError } from '../core/index.ts';
import { isShopperEvent, shopperKey, type MeridianEvent } from '../ingest/index.ts';
import type { EventRange } from './port.ts';

/**
 * How every event store keys and filters events, so the memory and ClickHouse adapters agree:
 * the shopper column is the shopper key (`u:<user>` or `s:<session>`), '' for catalog events, and
 * `range.user` selects the events keyed by that user id.
 */
export function storedShopper(e: MeridianEvent): string {
  return isShopperEvent(e) ? (shopperKey(e) ?? '') : '';
}

/** The item an event is about ('' for a search without a click). */
export function storedItem(e: MeridianEvent): string {
  if (e.type === 'search') return e.clicked_item_id ?? '';
  return e.item_id;
}

/** Fails fast on a range that cannot be meant (NaN bounds, fractional ms). */
export function checkRange(range: EventRange): void {
  for (const k of ['from', 'to'] as const) {
    const v = range[k];
    if (v !== undefined && !Number.isSafeInteger(v)) {
      throw new MeridianError('range_invalid', `event range: ${k} must be an integer of ms, got ${String(v)}`, { statusCode: 400 });
    }
  }
}

export function inRange(e: MeridianEvent, range: EventRange): boolean {
  if (range.tenant !== undefined && e.tenant !== range.tenant) return false;
  if (range.from !== undefined && e.ts < range.from) return false;
  if (range.to !== undefined && e.ts >= range.to) return false;
  if (range.user !== undefined && storedShopper(e) !== `u:${range.user}`) return false;
  return true;
}

/** Scan order: event time, then id (code-unit order: the byte order ClickHouse uses, for ids in the BMP). */
export function compareEvents(a: MeridianEvent, b: MeridianEvent): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
