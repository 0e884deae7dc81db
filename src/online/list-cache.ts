import { badRequest, type Instrumentation } from '../core/index.ts';
import type { MeridianEvent } from '../ingest/index.ts';

/**
 * Computed item lists of one tenant, kept for repeated requests (a page's widgets, pagination,
 * reloads, server and client rendering the same page). A kept list is served only while it is
 * what the engine would compute now, up to a bounded lag for other shoppers' events:
 * - the shopper's own applied event makes their lists stale at once (a click still changes what
 *   that shopper sees next);
 * - a catalog change of an item in a list (price, availability, deletion) makes that list stale;
 * - a model swap makes every list stale (the version is part of each list);
 * - anything else (other shoppers' events moving co-occurrence, trending and the sequence
 *   statistics, new items) reaches a kept list within `maxAgeMs`.
 * Without any applied event a list is a pure function of the stores, so a list with no event applied
 * since it was computed is served whatever its age.
 *
 * The notifications come from the process that applies events (the online updater). A replica that
 * only reads a shared store (Kafka bus: the worker applies) does not see them and keeps no lists.
 */
export interface ListCacheOptions {
  /** Lists kept, the least recently computed dropped first; 0: none (every request computes). */
  entries?: number;
  /** How long a list is served at most: the lag of other shoppers' events (ms). */
  maxAgeMs?: number;
  instrumentation?: Instrumentation;
  /** Monotonic clock in ms (for the age only: lists themselves take time from events). */
  now?: () => number;
}

/** What a kept list must carry: its items (checked against catalog changes) and its model version. */
export interface CachedList {
  readonly items: readonly { readonly id: string }[];
  readonly model: string;
}

/** Whom or what a list is about: their changes make it stale at once. */
export interface ListSubject {
  /** The shopper key (`u:<user>` or `s:<session>`) whose state the list reads. */
  shopper?: string | undefined;
  /** The item the list is about (similar items, bought together). */
  item?: string | undefined;
}

export interface ListCache {
  /**
   * The list under `key` (which must name everything the list depends on besides the stores), kept
   * or computed by `compute` and kept; `model` is the version in service now.
   */
  get<V extends CachedList>(key: string, about: ListSubject, model: string, compute: () => Promise<V>): Promise<V>;
  /** An event was applied to the stores: the lists it makes stale are no longer served. */
  applied(e: MeridianEvent): void;
  /** Lists kept now. */
  size(): number;
  /** Sets how many lists are kept (0 drops them all and keeps none). */
  resize(entries: number): void;
}

interface Entry {
  value: CachedList;
  /** The change counter when its computation started: later changes make it stale. */
  tick: number;
  /** When its computation started (ms). */
  at: number;
  about: ListSubject;
}

export const LIST_CACHE_DEFAULTS = Object.freeze({ entries: 20_000, maxAgeMs: 5_000 });

function checkEntries(entries: number): void {
  if (!Number.isInteger(entries) || entries < 0) throw badRequest('option_invalid', `entries must be an integer >= 0, got ${entries}`, 'entries');
}

/**
 * Records when each key last changed, oldest first, forgetting what is older than any list still
 * served (a change before a list started cannot make it stale).
 */
function changeLog(maxAgeMs: number) {
  const ticks = new Map<string, number>();
  const times = new Map<string, number>();
  return {
    note(key: string, tick: number, t: number): void {
      ticks.delete(key);
      times.delete(key);
      ticks.set(key, tick);
      times.set(key, t);
      for (const [k, at] of times) {
        if (t - at <= maxAgeMs) break;
        times.delete(k);
        ticks.delete(k);
      }
    },
    since: (key: string): number => ticks.get(key) ?? -1,
    clear(): void {
      ticks.clear();
      times.clear();
    },
  };
}

export function createListCache({
  entries = LIST_CACHE_DEFAULTS.entries,
  maxAgeMs = LIST_CACHE_DEFAULTS.maxAgeMs,
  instrumentation,
  now = () => performance.now(),
}: ListCacheOptions = {}): ListCache {
  checkEntries(entries);
  if (!(maxAgeMs >= 0)) throw badRequest('option_invalid', `maxAgeMs must be >= 0, got ${maxAgeMs}`, 'maxAgeMs');
  let capacity = entries;
  const kept = new Map<string, Entry>();
  const shoppers = changeLog(maxAgeMs);
  const items = changeLog(maxAgeMs);
  let tick = 0;

  function fresh(e: Entry, model: string, t: number): boolean {
    if (e.value.model !== model) return false;
    // No event applied since it started: it is the list ranking would give now, whatever its age.
    if (e.tick === tick) return true;
    if (t - e.at > maxAgeMs) return false;
    const { shopper, item } = e.about;
    if (shopper !== undefined && shoppers.since(shopper) > e.tick) return false;
    if (item !== undefined && items.since(item) > e.tick) return false;
    for (const item of e.value.items) if (items.since(item.id) > e.tick) return false;
    return true;
  }

  function keep(key: string, e: Entry): void {
    kept.delete(key);
    if (kept.size >= capacity) {
      const oldest = kept.keys().next();
      if (oldest.done !== true) kept.delete(oldest.value);
    }
    kept.set(key, e);
  }

  return {
    async get<V extends CachedList>(key: string, about: ListSubject, model: string, compute: () => Promise<V>): Promise<V> {
      if (capacity === 0) return compute();
      const t = now();
      const e = kept.get(key);
      const hit = e !== undefined && fresh(e, model, t);
      instrumentation?.emit('lists.cache', { hit });
      // Lists under one key are of one kind: the caller's key says which.
      if (hit) return e.value as V;
      const started = tick;
      const value = await compute();
      // A change while it was computed shows at the next lookup (its tick is later than `started`).
      if (capacity > 0 && value.model === model) keep(key, { value, tick: started, at: t, about });
      return value;
    },
    applied(e) {
      if (capacity === 0) return;
      const t = now();
      tick++;
      if (e.type === 'item_upsert' || e.type === 'item_delete') {
        items.note(e.item_id, tick, t);
        return;
      }
      // A shopper's lists are keyed by user when the request names one, else by session.
      if (e.user_id !== undefined) shoppers.note(`u:${e.user_id}`, tick, t);
      if (e.session_id !== undefined) shoppers.note(`s:${e.session_id}`, tick, t);
    },
    size: () => kept.size,
    resize(n) {
      checkEntries(n);
      capacity = n;
      while (kept.size > capacity) kept.delete(kept.keys().next().value as string);
      if (capacity === 0) {
        shoppers.clear();
        items.clear();
      }
    },
  };
}
