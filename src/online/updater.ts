import { badRequest, type Instrumentation, type Logger } from '../core/index.ts';
import { createFeatureConfig, createQueryTokenCache, type FeatureOptions } from '../features/index.ts';
import type { CatalogEvent, MeridianEvent } from '../ingest/index.ts';
import { type BusHandler } from '../bus/index.ts';
import { type EventStore } from '../event-store/index.ts';
import type { ContentEncoder, UserEncoder } from '../models/index.ts';
import type { TenantContext, Tenants } from './tenants.ts';
import { applyCatalogEvent } from './catalog.ts';
import { appliedBefore, byTime, computeBatch, firstOfEachId, notApplied, readShoppers, type BatchEncoders } from './batch.ts';

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

/** What an updater works with: its dependencies and what it made of them once. */
interface Updater extends BatchEncoders {
  tenants: Tenants;
  eventStore: EventStore;
  instrumentation: Instrumentation;
  logger: Logger;
  now: () => number;
}

export function createOnlineUpdater(deps: OnlineUpdaterDeps): OnlineUpdater {
  const { tenants, encoder, content, eventStore, instrumentation, logger } = deps;
  const config = createFeatureConfig(deps.options?.features);
  if (content.dim !== encoder.dim) {
    throw badRequest('option_invalid', `content encoder dim ${content.dim} differs from user encoder dim ${encoder.dim}`, 'encoder');
  }
  const now = deps.now ?? (() => Date.now());
  const u: Updater = { tenants, encoder, content, eventStore, instrumentation, logger, now, config, tokens: createQueryTokenCache() };
  const apply = (events: readonly MeridianEvent[]): Promise<ApplyResult[]> => applyEvents(u, events);
  return {
    apply,
    handler: async (records) => {
      const results = await apply(records.map((r) => r.event));
      const wall = u.now();
      for (let i = 0; i < records.length; i++) {
        const acceptedAt = records[i]?.acceptedAt;
        if (acceptedAt !== undefined && results[i] === 'applied') instrumentation.emit('online.visible', { ms: wall - acceptedAt });
      }
    },
  };
}

/** The events of each tenant, in input order; tenants in order of first appearance. */
function byTenant(events: readonly MeridianEvent[]): Map<string, MeridianEvent[]> {
  const groups = new Map<string, MeridianEvent[]>();
  for (const e of events) {
    const g = groups.get(e.tenant);
    if (g === undefined) groups.set(e.tenant, [e]);
    else g.push(e);
  }
  return groups;
}

/** Applies a batch tenant by tenant; the result of each input event, with its instrumentation. */
async function applyEvents(u: Updater, events: readonly MeridianEvent[]): Promise<ApplyResult[]> {
  const t0 = performance.now();
  // Ids are unique per tenant: the applied set is keyed by tenant too.
  const applied = new Map<string, Set<string>>();
  for (const [tenant, group] of byTenant(events)) {
    const set = new Set<string>();
    applied.set(tenant, set);
    await applyTenant(u, tenant, group, set);
  }
  const applyMs = performance.now() - t0;
  const wall = u.now();
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
    u.instrumentation.emit('online.applied', { type: e.type, applyMs, freshnessMs: wall - e.ts, duplicate: !isNew });
  }
  return results;
}

/** One tenant's events: to the feature store (those it has not applied), the indexes and models, the event store. */
async function applyTenant(u: Updater, tenant: string, events: MeridianEvent[], applied: Set<string>): Promise<void> {
  const ctx = await u.tenants.get(tenant);
  events.sort(byTime);
  const distinct = firstOfEachId(events);
  // Both reads go out together: one round trip to a remote store.
  const [known, shoppers] = await Promise.all([appliedBefore(ctx, distinct.events), readShoppers(ctx, distinct.keys)]);
  const fresh = notApplied(distinct, known);
  if (fresh.events.length > 0) {
    const batch = computeBatch(u, ctx, fresh, shoppers);
    const ok = await ctx.store.apply(batch.entries);
    for (let i = 0; i < batch.events.length; i++) {
      if (ok[i] !== true) continue;
      const e = batch.events[i] as MeridianEvent;
      applied.add(e.id);
      if (e.type === 'item_upsert' || e.type === 'item_delete') reindex(u, ctx, e, batch.vectors[i]);
      // The sequence model takes the shopper's interactions in applied order (catalog events add nothing).
      ctx.sequence?.observe(e);
      ctx.lists?.applied(e);
    }
    // A sequence model on its own thread keeps up with this one (bench/sections/updater.ts times both);
    // should it fall behind (a busy machine), the stream waits rather than the queue growing.
    await ctx.sequence?.settle(SEQUENCE_BACKLOG);
  }
  // Every event of the batch is in the feature store now, applied by this call or before it (a
  // redelivery), and all of them go to the event store, which keeps an event once: so a batch
  // delivered again after a worker died between the feature store and the event store's flush
  // appends what never reached the event store.
  await u.eventStore.append(distinct.events);
}

/** Index side effects of an applied catalog event. A failure is logged; a restart rebuilds indexes from the store. */
function reindex(u: Updater, ctx: TenantContext, e: CatalogEvent, vector: Float32Array | undefined): void {
  try {
    applyCatalogEvent(ctx, e, vector, u.instrumentation);
  } catch (err) {
    u.logger.error('index update failed; the item is reindexed at the next start', { tenant: ctx.tenant, item: e.item_id, err });
  }
}
