import {
  applyUserUpdate,
  emptyUserState,
  isUserUpdate,
  writes,
  type EventUpdates,
  type FeatureConfig,
  type QueryTokens,
  type Update,
  type UserState,
  type WriteContext,
} from '../features/index.ts';
import { isShopperEvent, shopperKey, type MeridianEvent, type ShopperEvent } from '../ingest/index.ts';
import type { ContentEncoder, UserEncoder } from '../models/index.ts';
import type { TenantContext } from './tenants.ts';

// The steps of one tenant's batch in the online updater, from the events it was given to the
// updates the feature store applies: order, drop repeats, read what the store has, compute.

/** Event time, then id: the order a shopper's events are applied in, whatever order they came in. */
export const byTime = (a: MeridianEvent, b: MeridianEvent): number => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The item a shopper event steps the shopper's vector with (the user encoder), if any: the item of
 * every shopper event, and the clicked result of a search. Wider than the sequence model's rule
 * (`sequenceItem`: views, clicks, carts and purchases) on purpose: the encoder weighs every signal
 * by its type (a removal from the cart pulls the vector away, a review or a clicked search result
 * pulls it towards the item), while the sequence model's statistics are learned and evaluated on
 * the four interactions of the training data.
 */
export function encoderItem(e: ShopperEvent): string | undefined {
  return e.type === 'search' ? e.clicked_item_id : e.item_id;
}

/** Events of one tenant's batch with their shopper keys (undefined: a catalog event or no shopper). */
export interface Distinct {
  events: MeridianEvent[];
  keys: (string | undefined)[];
}

/** A tenant's batch computed: each event's updates and, for item upserts, its content vector. */
export interface TenantBatch {
  events: MeridianEvent[];
  entries: EventUpdates[];
  /** Content vectors of item upserts, by position in `events`. */
  vectors: (Float32Array | undefined)[];
}

/** What computing a batch's updates takes besides the tenant: the encoders and the features' configuration. */
export interface BatchEncoders {
  encoder: UserEncoder;
  content: ContentEncoder;
  config: FeatureConfig;
  tokens: QueryTokens;
}

/**
 * The batch's events once each (the first of a repeated id, in event-time order, is the one
 * applied), with each one's shopper key, computed here once for every later use.
 */
export function firstOfEachId(sorted: readonly MeridianEvent[]): Distinct {
  const seen = new Set<string>();
  const out: Distinct = { events: [], keys: [] };
  for (const e of sorted) {
    const n = seen.size;
    seen.add(e.id);
    if (seen.size === n) continue;
    out.events.push(e);
    out.keys.push(isShopperEvent(e) ? shopperKey(e) : undefined);
  }
  return out;
}

/** The events of `distinct` the store has not applied before (`known[i]`: whether it has event i). */
export function notApplied(distinct: Distinct, known: readonly boolean[]): Distinct {
  const fresh: Distinct = { events: [], keys: [] };
  for (let i = 0; i < known.length; i++) {
    if (known[i] === true) continue;
    fresh.events.push(distinct.events[i] as MeridianEvent);
    fresh.keys.push(distinct.keys[i]);
  }
  return fresh;
}

/** Whether the store has applied each event already: one call where the store checks a batch at once. */
export function appliedBefore(ctx: TenantContext, events: readonly MeridianEvent[]): Promise<boolean[]> {
  const ids = events.map((e) => e.id);
  return ctx.store.hasAppliedEach !== undefined ? ctx.store.hasAppliedEach(ids) : Promise.all(ids.map((id) => ctx.store.hasApplied(id)));
}

/** Each shopper's state, read once for the batch, in one call. */
export async function readShoppers(ctx: TenantContext, keys: readonly (string | undefined)[]): Promise<Map<string, UserState | undefined>> {
  const out = new Map<string, UserState | undefined>();
  for (const k of keys) if (k !== undefined) out.set(k, undefined);
  const list = Array.from(out.keys());
  const states = await ctx.store.getUsers(list);
  for (let i = 0; i < list.length; i++) out.set(list[i] as string, states[i]);
  return out;
}

/**
 * The shopper's next vector after `e`, if the event's item has a vector: from the items upserted or
 * deleted earlier in the batch (`pending`, null: deleted), else from the tenant's index.
 */
function stepVector(
  enc: BatchEncoders,
  ctx: TenantContext,
  pending: ReadonlyMap<string, Float32Array | null>,
  e: ShopperEvent,
  state: UserState | undefined,
): Float32Array | undefined {
  const item = encoderItem(e);
  const iv = item === undefined ? undefined : pending.has(item) ? (pending.get(item) ?? undefined) : ctx.vectors.vector(item);
  return iv === undefined ? undefined : enc.encoder.step(state?.vector, iv, e.type, state === undefined ? 0 : e.ts - state.lastTs);
}

/** The updates of every event, in event-time order, with the batch's own view of each shopper. */
export function computeBatch(enc: BatchEncoders, ctx: TenantContext, fresh: Distinct, shoppers: Map<string, UserState | undefined>): TenantBatch {
  const { events, keys } = fresh;
  const batch: TenantBatch = { events, entries: new Array<EventUpdates>(events.length), vectors: new Array<Float32Array | undefined>(events.length) };
  // Items upserted or deleted earlier in this batch are not in the index yet.
  const pending = new Map<string, Float32Array | null>();
  // One context for the batch, refilled per event.
  const wctx: WriteContext = { user: undefined, vector: undefined, config: enc.config, shopper: undefined, queryTokens: enc.tokens };
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as MeridianEvent;
    const key = keys[i];
    let vector: Float32Array | undefined;
    let catalogVector: Float32Array | undefined;
    let state: UserState | undefined;
    if (e.type === 'item_upsert') {
      catalogVector = enc.content.encode(e);
      pending.set(e.item_id, catalogVector);
    } else if (e.type === 'item_delete') {
      pending.set(e.item_id, null);
    } else if (key !== undefined) {
      state = shoppers.get(key);
      vector = stepVector(enc, ctx, pending, e, state);
    }
    wctx.user = state;
    wctx.vector = vector;
    wctx.shopper = key;
    const updates = writes(e, wctx);
    batch.entries[i] = { eventId: e.id, updates };
    batch.vectors[i] = catalogVector;
    if (key !== undefined) {
      // The state is the batch's own copy (from getUsers or new), so it may change in place.
      const next = state ?? emptyUserState();
      for (let j = 0; j < updates.length; j++) {
        const u = updates[j] as Update;
        if (isUserUpdate(u)) applyUserUpdate(next, u);
      }
      if (state === undefined) shoppers.set(key, next);
    }
  }
  return batch;
}
