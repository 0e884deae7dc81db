import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import { createInstrumentation, type Instrumentation, type Logger } from '../core/index.ts';
import type { Config } from '../config/index.ts';
import { RECOMMEND_EF, createEngine, type Engine } from '../engine/index.ts';
import { catalogItem } from '../features/index.ts';
import { createBm25Index, createExactVectorIndex, createHnswVectorIndex, type LexicalIndex, type VectorIndex } from '../index/index.ts';
import { isKafkaBus, openEventBus, type BusHandler, type EventBus } from '../bus/index.ts';
import { openDeadLetterSink, type DeadLetterSink } from '../dead-letters/index.ts';
import { openEventStore, type EventStore } from '../event-store/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder, createOnlineSequence, createThreadedSequence, inlineSequence, restoreInto, type ContentEncoder, type SequenceService, type UserEncoder } from '../models/index.ts';
import { createOnlineUpdater, createTenants, indexItem, type Tenants } from '../online/index.ts';
import { createMetrics, createRecallSampler, type GaugeSources } from '../serve/index.ts';
import { createModelRegistry } from '../registry/index.ts';
import { openFeatureStore } from '../feature-store/index.ts';
import { createModelSwitcher, type ModelSwitcher } from './model-switcher.ts';

/** The consumer group of `meridian worker`: the one that applies events to the shared stores. */
export const WORKER_GROUP = 'meridian-worker';

export interface Runtime {
  config: Readonly<Config>;
  engine: Engine;
  registry: Registry;
  instrumentation: Instrumentation;
  bus: EventBus;
  eventStore: EventStore;
  deadLetters: DeadLetterSink;
  tenants: Tenants;
  /** The model in service, swapped when the registry's active version changes. */
  models: ModelSwitcher;
  /** Flushes batches and snapshots, then closes every adapter. */
  close(): Promise<void>;
}

/** What the metrics read at every scrape: index sizes over every tenant, and the model in service. */
export function gaugeSources(tenants: Tenants, models: ModelSwitcher, startedAt = Date.now()): GaugeSources {
  return {
    indexSize: () => {
      let vector = 0;
      let lexical = 0;
      for (const t of tenants.list()) {
        vector += t.vectors.size();
        lexical += t.lexical.size();
      }
      return { vector, lexical };
    },
    // The built-in encoders count as made when the process started: no trained model for a week is stale too.
    model: () => ({ version: models.version(), createdAt: models.createdAt() ?? startedAt }),
    sequence: () => {
      const out = { backlog: 0, healthy: 0, failed: 0 };
      for (const t of tenants.list()) {
        if (t.sequence === undefined) continue;
        out.backlog += t.sequence.backlog();
        if (t.sequence.healthy()) out.healthy++;
        else out.failed++;
      }
      return out;
    },
  };
}

/** A lexical index that keeps nothing, for processes that never search. */
function noLexicalIndex(): LexicalIndex {
  return { upsert: () => undefined, remove: () => undefined, search: () => [], size: () => 0 };
}

/**
 * The tenants of a process, on the configured feature store, with the encoders they index with.
 * `searchable: false` (the worker) keeps item vectors only for the user encoder: an exact index,
 * cheap to fill, no lexical index and no sequence model. A searchable tenant's sequence model is
 * rebuilt from `events` (the event store) when the tenant is created, so a restart serves what the
 * process served before it.
 */
export function openTenants(
  config: Readonly<Config>,
  deps: { logger: Logger; instrumentation: Instrumentation },
  { searchable = true, events, keepLists = false }: { searchable?: boolean; events?: EventStore; /** Keep computed lists (config.cache). */ keepLists?: boolean } = {},
): { tenants: Tenants; content: ContentEncoder; encoder: UserEncoder; models: ModelSwitcher } {
  const { logger, instrumentation } = deps;
  const dim = config.index.dim;
  const makeVectors = (): VectorIndex =>
    searchable ? createHnswVectorIndex({ dim, M: config.index.M, efSearch: config.index.efSearch }) : createExactVectorIndex({ dim });
  // The encoders in use delegate to the model in service (built-in until the registry has one).
  const models = createModelSwitcher({
    registry: createModelRegistry({ dir: config.modelDir, logger: logger.child('registry') }),
    tenants: () => tenants,
    makeVectors,
    defaults: { content: createHashedContentEncoder({ dim }), encoder: createDecayMixEncoder({ dim }) },
    logger: logger.child('models'),
  });
  const { content, encoder } = models;
  // The blend in service is read per request: a swap brings the new version's tuned parameters.
  const sequenceOptions = { params: () => models.sequenceParams() };
  const makeSequence = async (tenant: string): Promise<SequenceService> => {
    const service = config.sequenceThread
      ? createThreadedSequence({ ...sequenceOptions, logger: logger.child('sequence') })
      : inlineSequence(createOnlineSequence(sequenceOptions));
    if (events === undefined) return service;
    try {
      return await restoreInto(service, events.scan({ tenant }));
    } catch (e) {
      await service.close();
      throw e;
    }
  };
  const tenants = createTenants({
    makeStore: (tenant) => openFeatureStore(config.featureStore, tenant, { logger: logger.child('features'), instrumentation }),
    makeVectors,
    makeLexical: () => (searchable ? createBm25Index() : noLexicalIndex()),
    content,
    ...(searchable ? { makeSequence } : {}),
    ...(keepLists && config.cache.entries > 0 ? { listCache: { ...config.cache, instrumentation } } : {}),
    logger: logger.child('tenants'),
  });
  return { tenants, content, encoder, models };
}

/** The shopper events a serving replica's sequence model follows (those that extend a sequence). */
const SEQUENCE_TYPES = ['view', 'click', 'add_to_cart', 'purchase'] as const;

/**
 * A serving replica's follower of the topic: applies item upserts and deletes to the tenant's own
 * vector and lexical indexes, and shopper interactions to its sequence model. The worker applies
 * every event to the shared feature store and the event store; a tenant rebuilds its indexes from
 * that store and its sequence model from the event store when it is created, so together they miss
 * nothing, and `follow` skips what the rebuild already had.
 */
export function catalogFollower({ tenants, content, instrumentation }: { tenants: Tenants; content: ContentEncoder; instrumentation: Instrumentation }): BusHandler {
  return async (records) => {
    for (const { event: e } of records) {
      const ctx = await tenants.get(e.tenant);
      if (e.type === 'item_upsert') {
        indexItem(ctx, catalogItem(e), content.encode(e));
        instrumentation.emit('index.upsert', { kind: 'vector' });
        instrumentation.emit('index.upsert', { kind: 'lexical' });
      } else if (e.type === 'item_delete') {
        ctx.vectors.remove(e.item_id);
        ctx.lexical.remove(e.item_id);
      } else ctx.sequence?.follow(e);
    }
  };
}

/**
 * Wires the engine from the config: adapters chosen by URL, metrics subscribed to instrumentation.
 * On the embedded bus the online updater is subscribed here; on Kafka `meridian worker` applies the
 * events, and this replica only follows the catalog into its indexes, in a group of its own that
 * starts where the worker has committed. Shared by `serve` and the end-to-end tests.
 */
export async function createRuntime(
  config: Readonly<Config>,
  deps: {
    logger: Logger;
    registry?: Registry;
    /** The worker's consumer group (Kafka only). */ workerGroup?: string;
    /** Follow the model registry in config.modelDir (default true). */ followModels?: boolean;
  },
): Promise<Runtime> {
  const { logger } = deps;
  const instrumentation = createInstrumentation();
  const registry = deps.registry ?? new Registry();
  const bus = await openEventBus(config.bus, { logger: logger.child('bus'), instrumentation });
  const eventStore = await openEventStore(config.eventStore, { logger: logger.child('eventstore'), instrumentation });
  const deadLetters = await openDeadLetterSink(config.deadLetters, { logger: logger.child('deadletters'), instrumentation });
  // Kept lists need every applied event: on Kafka the worker applies them, so this replica keeps none.
  const keepLists = !isKafkaBus(bus);
  const { tenants, content, encoder, models } = openTenants(config, { logger, instrumentation }, { events: eventStore, keepLists });
  const metrics = createMetrics({ registry, instrumentation, gauges: gaugeSources(tenants, models) });
  // HNSW recall against exact search, sampled once a minute on a few queries (a gauge for the index panel).
  const recall = createRecallSampler({ sources: () => tenants.list(), ef: RECOMMEND_EF, instrumentation, logger: logger.child('recall') });
  recall.start();
  const unfollow = deps.followModels === false ? () => undefined : models.follow();
  if (isKafkaBus(bus)) {
    if (config.featureStore.startsWith('memory:')) {
      logger.warn('bus is Kafka but the feature store is in memory: the worker and this replica do not share state', { featureStore: config.featureStore });
    }
    // A group of this replica alone (deleted when it closes): every replica indexes every item.
    const group = `meridian-serve-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    await bus.subscribe(group, catalogFollower({ tenants, content, instrumentation }), {
      startFrom: { group: deps.workerGroup ?? WORKER_GROUP },
      types: ['item_upsert', 'item_delete', ...SEQUENCE_TYPES],
      ephemeral: true,
    });
  } else {
    const updater = createOnlineUpdater({ tenants, encoder, content, eventStore, instrumentation, logger: logger.child('online') });
    await bus.subscribe('online', updater.handler);
  }
  const engine = createEngine({
    tenants,
    bus,
    deadLetters,
    encoder,
    content,
    instrumentation,
    logger,
    modelVersion: () => models.version(),
    learnedBlend: () => models.learnedBlend(),
    checks: {
      bus: () => bus.ping(),
      eventStore: () => eventStore.ping(),
      featureStore: async () => (await tenants.get('default')).store.ping(),
      // A sequence model whose thread failed cannot rank until a restart rebuilds it.
      sequence: async () => tenants.list().every((t) => t.sequence?.healthy() !== false),
    },
  });
  return {
    config,
    engine,
    registry,
    instrumentation,
    bus,
    eventStore,
    deadLetters,
    tenants,
    models,
    async close() {
      unfollow();
      await recall.stop();
      await models.idle();
      await bus.close();
      await eventStore.close();
      await engine.close();
      await deadLetters.close();
      metrics.close();
      // prom-client's GC observer is process-wide and keeps the registry it reports to: a registry of
      // this runtime's own would keep every gauge's sources (the tenants, their stores) alive.
      if (deps.registry === undefined) registry.clear();
    },
  };
}
