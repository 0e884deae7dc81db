import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import { createRecommender } from '../../src/engine/recommend.ts';
import { createMemoryFeatureStore } from '../../src/feature-store/index.ts';
import { createBm25Index, createExactVectorIndex, type VectorIndex } from '../../src/index/index.ts';
import { createMemoryEventStore } from '../../src/event-store/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder, createOnlineSequence, inlineSequence } from '../../src/models/index.ts';
import { createOnlineUpdater, createTenants } from '../../src/online/index.ts';
import type { LearnedBlend } from '../../src/registry/index.ts';

export const T0 = Date.UTC(2026, 4, 1);
export const DIM = 32;

/**
 * The online path of one tenant on the memory stores (the updater feeding its sequence model and
 * exact vector index) and a recommender over it, for the recommendation tests.
 */
export function onlinePath({ makeVectors = () => createExactVectorIndex({ dim: DIM }), learnedBlend }: { makeVectors?: () => VectorIndex; learnedBlend?: () => LearnedBlend | undefined } = {}) {
  const content = createHashedContentEncoder({ dim: DIM });
  const encoder = createDecayMixEncoder({ dim: DIM });
  const instrumentation = createInstrumentation();
  const tenants = createTenants({
    makeStore: async () => createMemoryFeatureStore({ logger: silentLogger }),
    makeVectors,
    makeLexical: () => createBm25Index(),
    content,
    makeSequence: async () => inlineSequence(createOnlineSequence()),
  });
  const updater = createOnlineUpdater({ tenants, encoder, content, eventStore: createMemoryEventStore(), instrumentation, logger: silentLogger, now: () => T0 });
  const rec = createRecommender({ encoder, instrumentation, modelVersion: () => 'test', ...(learnedBlend === undefined ? {} : { learnedBlend }) });
  return { tenants, updater, encoder, instrumentation, rec, close: () => tenants.close() };
}
