import type { Instrumentation } from '../core/index.ts';
import { catalogItem } from '../features/index.ts';
import type { CatalogEvent, EventType } from '../ingest/index.ts';
import type { BusHandler } from '../bus/index.ts';
import { SEQUENCE_EVENT_TYPES, type ContentEncoder } from '../models/index.ts';
import { indexItem, type TenantContext, type Tenants } from './tenants.ts';

/**
 * A catalog event applied to a tenant's indexes: an upsert puts the item into the vector index
 * (with `vector`, its content vector) and the lexical index, a delete takes it out of both. An
 * upsert without a vector changes nothing. What the online updater does after the feature store
 * applied the event, and what a serving replica does with the events it follows.
 */
export function applyCatalogEvent(
  ctx: Pick<TenantContext, 'vectors' | 'lexical'>,
  e: CatalogEvent,
  vector: Float32Array | undefined,
  instrumentation: Instrumentation,
): void {
  if (e.type === 'item_upsert') {
    if (vector === undefined) return;
    indexItem(ctx, catalogItem(e), vector);
    instrumentation.emit('index.upsert', { kind: 'vector' });
    instrumentation.emit('index.upsert', { kind: 'lexical' });
  } else {
    ctx.vectors.remove(e.item_id);
    ctx.lexical.remove(e.item_id);
  }
}

/** The event types a serving replica's follower subscribes to: the catalog, and what extends a sequence. */
export const FOLLOWED_TYPES: readonly EventType[] = ['item_upsert', 'item_delete', ...SEQUENCE_EVENT_TYPES];

/**
 * A serving replica's follower of the topic: applies item upserts and deletes to the tenant's own
 * vector and lexical indexes, and shopper interactions to its sequence model. The worker applies
 * every event to the shared feature store and the event store; a tenant rebuilds its indexes from
 * that store and its sequence model from the event store when it is created, so together they miss
 * nothing, and `follow` skips what the rebuild already had. An index that fails rejects the batch
 * (the bus delivers it again).
 */
export function catalogFollower({ tenants, content, instrumentation }: { tenants: Tenants; content: ContentEncoder; instrumentation: Instrumentation }): BusHandler {
  return async (records) => {
    for (const { event: e } of records) {
      const ctx = await tenants.get(e.tenant);
      if (e.type === 'item_upsert') applyCatalogEvent(ctx, e, content.encode(e), instrumentation);
      else if (e.type === 'item_delete') applyCatalogEvent(ctx, e, undefined, instrumentation);
      else ctx.sequence?.follow(e);
    }
  };
}
