import { badRequest, type Instrumentation, type Logger } from '../core/index.ts';
import {
  applyUserUpdate,
  catalogItem,
  createFeatureConfig,
  createQueryTokenCache,
  emptyUserState,
  isUserUpdate,
  writes,
  type EventUpdates,
  type FeatureConfig,
  type FeatureOptions,
  type Update,
  type UserState,
  type WriteContext,
} from '../features/index.ts';
import { isShopperEvent, shopperKey, type CatalogEvent, type MeridianEvent } from '../ingest/index.ts';
import { type BusHandler } from '../bus/index.ts';
import { type EventStore } from '../event-store/index.ts';
import type { ContentEncoder, UserEncoder } from '../models/index.ts';
import { indexItem, type TenantContext, type Tenants } from './tenants.ts';

export type ApplyResult = 'applied' | 'duplicate';

export interface OnlineUpdaterOptions {
  features?: Partial<FeatureOptions>;
}

export interface OnlineUpdaterDeps {
  tenants: Tenants;
  encoder: UserEncoder;
  content: ContentEncoder;
  eventStore: EventStore;
  instrumentation: Instrumentation;
  logger: Logger;
  /** Wall clock, used only for the freshness metric (features take time from events). */
  now?: () => number;
  options?: OnlineUpdaterOptions;
}

export interface OnlineUpdater {
  /** Applies a batch; results in input order. A batch is retried whole if this rejects. */
  apply(events: readonly MeridianEvent[]): Promise<ApplyResult[]>;
  /** The same, as an event bus subscriber. */
  readonly handler: BusHandler;
}

/** Observed events a sequence model's thread may have waiting before a batch waits for it. */
const SEQUENCE_BACKLOG = 50_000;

/** Event time, then id: the order a shopper's events are applied in, whatever order they came in. */
const byTime = (a: MeridianEvent, b: MeridianEvent): number => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The item a shopper event moves the shopper's vector towards, if any. */
function interactionItem(e: MeridianEvent): string | undefined {
  if (e.type === 'search') return e.clicked_item_id;
  if (e.type === 'item_upsert' || e.type === 'item_delete') return undefined;
  return e.item_id;
}

/** Events of one tenant's batch with their shopper keys (undefined: a catalog event or no shopper). */
interface Distinct {
  events: MeridianEvent[];
  keys: (string | undefined)[];
}

interface TenantBatch {
  events: MeridianEvent[];
  entries: EventUpdates[];
  /** Content vectors of item upserts, by position in `events`. */
  vectors: (Float32Array | undefined)[];
}

export function createOnlineUpdater(deps: OnlineUpdaterDeps): OnlineUpdater {
  const { tenants, encoder, content, eventStore, instrumentation, logger } = deps;
  const now = deps.now ?? (() => Date.now());
  const config: FeatureConfig = createFeatureConfig(deps.options?.features);
  const tokens = createQueryTokenCache();
  if (content.dim !== encoder.dim) {
    throw badRequest('option_invalid', `content encoder dim ${content.dim} differs from user encoder dim ${encoder.dim}`, 'encoder');
  }

  /**
   * The batch's events once each (the first of a repeated id, in event-time order, is the one
   * applied), with each one's shopper key, computed here once for every later use.
   */
  function firstOfEachId(sorted: readonly MeridianEvent[]): Distinct {
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

  /** Whether the store has applied each event already: one call where the store checks a batch at once. */
  function appliedBefore(ctx: TenantContext, events: readonly MeridianEvent[]): Promise<boolean[]> {
    const ids = events.map((e) => e.id);
    return ctx.store.hasAppliedEach !== undefined ? ctx.store.hasAppliedEach(ids) : Promise.all(ids.map((id) => ctx.store.hasApplied(id)));
  }

  /** Each shopper's state, read once for the batch, in one call. */
  async function readShoppers(ctx: TenantContext, keys: readonly (string | undefined)[]): Promise<Map<string, UserState | undefined>> {
    const out = new Map<string, UserState | undefined>();
    for (const k of keys) if (k !== undefined) out.set(k, undefined);
    const list = Array.from(out.keys());
    const states = await ctx.store.getUsers(list);
    for (let i = 0; i < list.length; i++) out.set(list[i] as string, states[i]);
    return out;
  }

  /** The updates of every event, in event-time order, with the batch's own view of each shopper. */
  function compute(ctx: TenantContext, fresh: Distinct, shoppers: Map<string, UserState | undefined>): TenantBatch {
    const { events, keys } = fresh;
    const batch: TenantBatch = { events, entries: new Array<EventUpdates>(events.length), vectors: new Array<Float32Array | undefined>(events.length) };
    // Items upserted or deleted earlier in this batch are not in the index yet.
    const pending = new Map<string, Float32Array | null>();
    // One context for the batch, refilled per event.
    const wctx: WriteContext = { user: undefined, vector: undefined, config, shopper: undefined, queryTokens: tokens };
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as MeridianEvent;
      const key = keys[i];
      let vector: Float32Array | undefined;
      let catalogVector: Float32Array | undefined;
      let state: UserState | undefined;
      if (e.type === 'item_upsert') {
        catalogVector = content.encode(e);
        pending.set(e.item_id, catalogVector);
      } else if (e.type === 'item_delete') {
        pending.set(e.item_id, null);
      } else if (key !== undefined) {
        state = shoppers.get(key);
        const item = interactionItem(e);
        const iv = item === undefined ? undefined : pending.has(item) ? (pending.get(item) ?? undefined) : ctx.vectors.vector(item);
        if (iv !== undefined) vector = encoder.step(state?.vector, iv, e.type, state === undefined ? 0 : e.ts - state.lastTs);
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

  /** Index side effects of applied catalog events. A failure is logged; a restart rebuilds indexes from the store. */
  function reindex(ctx: TenantContext, e: CatalogEvent, vector: Float32Array | undefined): void {
    try {
      if (e.type === 'item_upsert') {
        if (vector === undefined) return;
        indexItem(ctx, catalogItem(e), vector);
        instrumentation.emit('index.upsert', { kind: 'vector' });
        instrumentation.emit('index.upsert', { kind: 'lexical' });
      } else if (e.type === 'item_delete') {
        ctx.vectors.remove(e.item_id);
        ctx.lexical.remove(e.item_id);
      }
    } catch (err) {
      logger.error('index update failed; the item is reindexed at the next start', { tenant: ctx.tenant, item: e.item_id, err });
    }
  }

  async function applyTenant(tenant: string, events: MeridianEvent[], applied: Set<string>): Promise<void> {
    const ctx = await tenants.get(tenant);
    events.sort(byTime);
    const distinct = firstOfEachId(events);
    // Both reads go out together: one round trip to a remote store.
    const [known, shoppers] = await Promise.all([appliedBefore(ctx, distinct.events), readShoppers(ctx, distinct.keys)]);
    const fresh: Distinct = { events: [], keys: [] };
    for (let i = 0; i < known.length; i++) {
      if (known[i] === true) continue;
      fresh.events.push(distinct.events[i] as MeridianEvent);
      fresh.keys.push(distinct.keys[i]);
    }
    if (fresh.events.length > 0) {
      const batch = compute(ctx, fresh, shoppers);
      const ok = await ctx.store.apply(batch.entries);
      for (let i = 0; i < batch.events.length; i++) {
        if (ok[i] !== true) continue;
        const e = batch.events[i] as MeridianEvent;
        applied.add(e.id);
        if (e.type === 'item_upsert' || e.type === 'item_delete') reindex(ctx, e, batch.vectors[i]);
        // The sequence model takes the shopper's interactions in applied order (catalog events add nothing).
        ctx.sequence?.observe(e);
        ctx.lists?.applied(e);
      }
      // A sequence model on its own thread keeps up with this one (bench/updater.ts times both);
      // should it fall behind (a busy machine), the stream waits rather than the queue growing.
      await ctx.sequence?.settle(SEQUENCE_BACKLOG);
    }
    // Every event of the batch is in the feature store now, applied by this call or before it (a
    // redelivery), and all of them go to the event store, which keeps an event once: so a batch
    // delivered again after a worker died between the feature store and the event store's flush
    // appends what never reached the event store.
    await eventStore.append(distinct.events);
  }

  async function apply(events: readonly MeridianEvent[]): Promise<ApplyResult[]> {
    const t0 = performance.now();
    const groups = new Map<string, MeridianEvent[]>();
    for (const e of events) {
      const g = groups.get(e.tenant);
      if (g === undefined) groups.set(e.tenant, [e]);
      else g.push(e);
    }
    // Ids are unique per tenant: the applied set is keyed by tenant too.
    const applied = new Map<string, Set<string>>();
    for (const [tenant, group] of groups) {
      const set = new Set<string>();
      applied.set(tenant, set);
      await applyTenant(tenant, group, set);
    }
    const applyMs = performance.now() - t0;
    const wall = now();
    const results = new Array<ApplyResult>(events.length);
    let tenant: string | undefined;
    let set = new Set<string>();
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as MeridianEvent;
      if (e.tenant !== tenant) {
        tenant = e.tenant;
        set = applied.get(tenant) as Set<string>;
      }
      // The first occurrence of an id in the input is the applied one; repeats are duplicates.
      const isNew = set.delete(e.id);
      results[i] = isNew ? 'applied' : 'duplicate';
      instrumentation.emit('online.applied', { type: e.type, applyMs, freshnessMs: wall - e.ts, duplicate: !isNew });
    }
    return results;
  }

  return {
    apply,
    handler: async (records) => {
      const results = await apply(records.map((r) => r.event));
      const wall = now();
      for (let i = 0; i < records.length; i++) {
        const acceptedAt = records[i]?.acceptedAt;
        if (acceptedAt !== undefined && results[i] === 'applied') instrumentation.emit('online.visible', { ms: wall - acceptedAt });
      }
    },
  };
}
