import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Registry } from 'prom-client';
import { closeAll, createInstrumentation, type Instrumentation, type Logger } from '../core/index.ts';
import type { Config } from '../config/index.ts';
import { RECOMMEND_EF, createEngine, type Engine } from '../engine/index.ts';
import { createBm25Index, createExactVectorIndex, createHnswVectorIndex, type LexicalIndex, type VectorIndex } from '../index/index.ts';
import { isKafkaBus, openEventBus, type EventBus } from '../bus/index.ts';
import { openDeadLetterSink, type DeadLetterSink } from '../dead-letters/index.ts';
import { openEventStore, type EventStore } from '../event-store/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder, createOnlineSequence, createThreadedSequence, inlineSequence, restoreInto, type ContentEncoder, type SequenceService, type UserEncoder } from '../models/index.ts';
import { FOLLOWED_TYPES, catalogFollower, createOnlineUpdater, createTenants, type Tenants } from '../online/index.ts';
import { createMetrics, createRecallSampler, type GaugeSources } from '../serve/index.ts';
import { createModelRegistry } from '../registry/index.ts';
import { openFeatureStore } from '../feature-store/index.ts';
import { createModelSwitcher, type ModelSwitcher } from './model-switcher.ts';
import { deadLetterOptions, deadLetterRefused } from './dead-letters.ts';

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
  /** Flushes batches and snapshots, then closes every adapter; each step runs even if one before it failed. */
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
    makeStore: (tenant) =>
      openFeatureStore(config.featureStore, tenant, { logger: logger.child('features'), instrumentation }, { snapshotIntervalMs: config.snapshot.intervalMs }),
    makeVectors,
    makeLexical: () => (searchable ? createBm25Index() : noLexicalIndex()),
    content,
    ...(searchable ? { makeSequence } : {}),
    ...(keepLists && config.cache.entries > 0 ? { listCache: { ...config.cache, instrumentation } } : {}),
    logger: logger.child('tenants'),
  });
  return { tenants, content, encoder, models };
}

/** The adapters every role's runtime opens from the config, with the instrumentation they report to. */
interface Adapters {
  instrumentation: Instrumentation;
  bus: EventBus;
  eventStore: EventStore;
  deadLetters: DeadLetterSink;
}

async function openAdapters(config: Readonly<Config>, logger: Logger): Promise<Adapters> {
  const instrumentation = createInstrumentation();
  const bus = await openEventBus(config.bus, { logger: logger.child('bus'), instrumentation });
  const deadLetters = await openDeadLetterSink(config.deadLetters, { logger: logger.child('deadletters'), instrumentation }, deadLetterOptions(config));
  // Events the store refuses (a row it cannot parse) are dead-lettered; the rest of their batch is stored.
  const eventStore = await openEventStore(config.eventStore, { logger: logger.child('eventstore'), instrumentation, rejected: deadLetterRefused(deadLetters) });
  return { instrumentation, bus, eventStore, deadLetters };
}

/**
 * Subscribes this process to the events it applies. On the embedded bus, the online updater. On
 * Kafka, `meridian worker` applies the events and this replica only follows the catalog into its
 * indexes and the interactions into its sequence model, in a group of its own (deleted when it
 * closes: every replica indexes every item) that starts where the worker has committed.
 */
async function subscribeApplier(
  config: Readonly<Config>,
  { bus, eventStore, instrumentation }: Adapters,
  { tenants, content, encoder }: ReturnType<typeof openTenants>,
  { logger, workerGroup = WORKER_GROUP }: { logger: Logger; workerGroup?: string | undefined },
): Promise<void> {
  if (!isKafkaBus(bus)) {
    const updater = createOnlineUpdater({ tenants, encoder, content, eventStore, instrumentation, logger: logger.child('online') });
    await bus.subscribe('online', updater.handler);
    return;
  }
  if (config.featureStore.startsWith('memory:')) {
    logger.warn('bus is Kafka but the feature store is in memory: the worker and this replica do not share state', { featureStore: config.featureStore });
  }
  const group = `meridian-serve-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  await bus.subscribe(group, catalogFollower({ tenants, content, instrumentation }), {
    startFrom: { group: workerGroup },
    types: FOLLOWED_TYPES,
    ephemeral: true,
  });
}

/** What readiness checks: every adapter answers, and no sequence model lost its thread. */
function readinessChecks({ bus, eventStore }: Adapters, tenants: Tenants): Record<string, () => Promise<boolean>> {
  return {
    bus: () => bus.ping(),
    eventStore: () => eventStore.ping(),
    featureStore: async () => (await tenants.get('default')).store.ping(),
    // A sequence model whose thread failed cannot rank until a restart rebuilds it.
    sequence: async () => tenants.list().every((t) => t.sequence?.healthy() !== false),
  };
}

/**
 * Wires the engine from the config: adapters chosen by URL, metrics subscribed to instrumentation,
 * events applied as `subscribeApplier` says (by this process on the embedded bus, by `meridian
 * worker` on Kafka). Shared by `serve` and the end-to-end tests.
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
  const registry = deps.registry ?? new Registry();
  const adapters = await openAdapters(config, logger);
  const { instrumentation, bus, eventStore, deadLetters } = adapters;
  // Kept lists need every applied event: on Kafka the worker applies them, so this replica keeps none.
  const opened = openTenants(config, { logger, instrumentation }, { events: eventStore, keepLists: !isKafkaBus(bus) });
  const { tenants, content, encoder, models } = opened;
  const metrics = createMetrics({ registry, instrumentation, gauges: gaugeSources(tenants, models) });
  // HNSW recall against exact search, sampled once a minute on a few queries (a gauge for the index panel).
  const recall = createRecallSampler({ sources: () => tenants.list(), ef: RECOMMEND_EF, instrumentation, logger: logger.child('recall') });
  recall.start();
  const unfollow = deps.followModels === false ? () => undefined : models.follow();
  await subscribeApplier(config, adapters, opened, { logger, workerGroup: deps.workerGroup });
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
    checks: readinessChecks(adapters, tenants),
    eventTime: config.ingest,
  });
  // Each step runs even when one before it failed: a bus or event store that fails to close must
  // not cost the feature store snapshots (engine.close) or leave the other adapters open.
  const close = (): Promise<void> =>
    closeAll(
      [
        ['model follower', unfollow],
        ['recall sampler', () => recall.stop()],
        ['model swaps', () => models.idle()],
        ['bus', () => bus.close()],
        ['event store', () => eventStore.close()],
        ['tenants', () => engine.close()],
        ['dead letters', () => deadLetters.close()],
        [
          'metrics',
          () => {
            metrics.close();
            // prom-client's GC observer is process-wide and keeps the registry it reports to: a registry of
            // this runtime's own would keep every gauge's sources (the tenants, their stores) alive.
            if (deps.registry === undefined) registry.clear();
          },
        ],
      ],
      logger,
    );
  return { config, engine, registry, instrumentation, bus, eventStore, deadLetters, tenants, models, close };
}
