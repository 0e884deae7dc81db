import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createInstrumentation, createLogger, silentLogger } from '../../src/core/index.ts';
import { createMemoryFeatureStore } from '../../src/feature-store/index.ts';
import { type CatalogItem } from '../../src/features/index.ts';
import { createBm25Index, createHnswVectorIndex, type VectorIndex } from '../../src/index/index.ts';
import { createMemoryEventStore } from '../../src/event-store/index.ts';
import { type MeridianEvent } from '../../src/ingest/index.ts';
import { createModelSwitcher, createRuntime, openTenants } from '../../src/main/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder } from '../../src/models/index.ts';
import { createTenants, type TenantContext } from '../../src/online/index.ts';
import { createModelRegistry, type ModelArtifact } from '../../src/registry/index.ts';
import { DEFAULT_PARAMS, type ModelParams } from '../../src/models/sequence/index.ts';
import { tempDir } from '../support/helpers.ts';

const DIM = 64;
const T0 = Date.UTC(2026, 5, 1);

/** A model version of the index's dimension, with `extra` serving sections. */
function artifact(extra: Partial<ModelArtifact> = {}): ModelArtifact {
  const inputDim = 8;
  return {
    dim: DIM,
    dataRange: { from: T0, to: T0, events: 0 },
    metrics: {},
    config: {},
    encoder: { kind: 'decay-mix', halfLifeMs: 60_000 },
    content: { kind: 'hashed-linear', inputDim },
    itemIds: ['B'],
    itemVectors: new Float32Array(DIM).fill(0.125),
    weights: { 'content-map': { shape: [inputDim + 1, DIM], data: new Float32Array((inputDim + 1) * DIM).fill(0.01) } },
    ...extra,
  };
}

const only = (w: Partial<ModelParams['weights']>): ModelParams => ({ ...DEFAULT_PARAMS, weights: { popularity: 0, knn: 0, transitions: 0, neighbours: 0, repeat: 0, ...w } });

let n = 0;
const view = (user: string, item: string, ts: number): MeridianEvent =>
  ({ id: `v-${++n}`, type: 'view', tenant: 'default', market: 'US', locale: 'en-US', user_id: user, item_id: item, ts }) as MeridianEvent;

/**
 * Twenty shoppers view B then A; three view A then C. For a shopper who viewed A, item-kNN (cosine
 * of co-occurrence) prefers B, the transitions from A know only C, and the default blend puts C
 * first by a little.
 */
function traffic(): MeridianEvent[] {
  const out: MeridianEvent[] = [];
  let t = T0;
  for (let i = 0; i < 20; i++) out.push(view(`b${i}`, 'B', ++t), view(`b${i}`, 'A', ++t));
  for (let i = 0; i < 3; i++) out.push(view(`c${i}`, 'A', ++t), view(`c${i}`, 'C', ++t));
  out.push(view('me', 'A', ++t));
  return out;
}

describe('the model switcher serves the tuned ranking of the version in service', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function setup() {
    const tmp = await tempDir('meridian-switcher-');
    cleanups.push(tmp.cleanup);
    const config = loadConfig({ env: { MERIDIAN_MODEL_DIR: tmp.dir, MERIDIAN_FEATURE_STORE: 'memory:' } });
    const events = createMemoryEventStore();
    await events.append(traffic());
    const { tenants, models } = openTenants(config, { logger: silentLogger, instrumentation: createInstrumentation() }, { events });
    cleanups.push(() => tenants.close());
    const registry = createModelRegistry({ dir: tmp.dir, logger: silentLogger });
    const ctx = await tenants.get('default');
    // The tenant's model runs on its own thread (the default): a ranking asked after a swap reads the new parameters.
    const hits = async () => (await ctx.sequence?.rank('u:me', 2, ['A'], false))?.hits ?? [];
    const ranking = async (): Promise<string[]> => (await hits()).map((h) => h.id);
    return { registry, models, hits, ranking };
  }

  it('ranks with DEFAULT_PARAMS before any model, then with the adopted version\'s parameters, in the same swap as its encoders', async () => {
    const { registry, models, hits, ranking } = await setup();
    expect(models.sequenceParams()).toBe(DEFAULT_PARAMS);
    expect(models.learnedBlend()).toBeUndefined();
    expect(await ranking()).toEqual(['C', 'B']);

    const knnOnly = await registry.publish(artifact({ sequence: { params: only({ knn: 1 }) }, blend: { learned: { weight: 0.3, cut: 50 } } }));
    await models.adopt(knnOnly.version);
    expect(models.version()).toBe(knnOnly.version);
    expect(models.sequenceParams()).toEqual(only({ knn: 1 }));
    // The same object while the version serves: the online model keeps its blend.
    expect(models.sequenceParams()).toBe(models.sequenceParams());
    expect(models.learnedBlend()).toEqual({ weight: 0.3, cut: 50 });
    expect(await ranking()).toEqual(['B', 'C']);

    const transitionsOnly = await registry.publish(artifact({ sequence: { params: only({ transitions: 1 }) }, blend: { learned: { weight: 0, cut: 25 } } }));
    await models.adopt(transitionsOnly.version);
    expect(models.learnedBlend()).toEqual({ weight: 0, cut: 25 });
    // From A the transitions know only C (normalised to 1); B gets nothing, not even popularity.
    expect(await hits()).toEqual([{ id: 'C', score: 1 }, { id: 'B', score: 0 }]);

    // A version without tuned sections brings the defaults back.
    const plain = await registry.publish(artifact());
    await models.adopt(plain.version);
    expect(models.sequenceParams()).toBe(DEFAULT_PARAMS);
    expect(models.learnedBlend()).toBeUndefined();
    expect(await ranking()).toEqual(['C', 'B']);
  });

  it('keeps the version in service, with its parameters, when a damaged version is adopted', async () => {
    const { registry, models, ranking } = await setup();
    const good = await registry.publish(artifact({ sequence: { params: only({ knn: 1 }) } }));
    await models.adopt(good.version);
    const bad = await registry.publish(artifact({ sequence: { params: only({ transitions: 1 }) } }));
    const path = join(registry.dir, bad.version, 'manifest.json');
    const m = JSON.parse(await readFile(path, 'utf8')) as { sequence: { params: { knn: unknown } } };
    m.sequence.params.knn = 'fast';
    await writeFile(path, JSON.stringify(m));
    await expect(models.adopt(bad.version)).rejects.toMatchObject({ code: 'model_corrupt', field: 'sequence.params.knn' });
    expect(models.version()).toBe(good.version);
    expect(models.sequenceParams()).toEqual(only({ knn: 1 }));
    expect(await ranking()).toEqual(['B', 'C']);
  });
});

describe('the runtime serves the learned blend of the version in service', () => {
  it('searches the vector index with the raw cosine before any model, and not at all under a version whose learned weight is 0', async () => {
    const tmp = await tempDir('meridian-runtime-blend-');
    const config = loadConfig({
      env: {},
      overrides: { featureStore: 'memory:', eventStore: 'memory:', deadLetters: 'memory:', modelDir: tmp.dir, demo: { enabled: false } },
    });
    const rt = await createRuntime(config, { logger: silentLogger, followModels: false });
    try {
      const items = ['A', 'B', 'C'].map((id, i) => ({
        id: `item-${id}`,
        type: 'item_upsert',
        tenant: 'default',
        ts: T0 - 10 + i,
        item_id: id,
        titles: { en: `item ${id}` },
        category: 'c',
        prices: { US: { amount: 10, currency: 'USD' } },
        available_in: ['US'],
      }));
      expect((await rt.engine.ingest(items, 'simulate')).every((r) => r.status === 'accepted')).toBe(true);
      await rt.engine.ingest(traffic(), 'simulate');
      let searches = 0;
      rt.instrumentation.on('index.search', (p) => {
        if (p.kind === 'vector') searches++;
      });
      const recommend = () => rt.engine.recommend({ tenant: 'default', market: 'US', k: 2, user: 'me', exclude: ['seen'] });
      await recommend();
      expect(searches).toBe(1);
      const registry = createModelRegistry({ dir: tmp.dir, logger: silentLogger });
      const off = await registry.publish(artifact({ blend: { learned: { weight: 0, cut: 25 } } }));
      await rt.models.adopt(off.version);
      const list = await recommend();
      expect(list.model).toBe(off.version);
      expect(searches).toBe(1);
    } finally {
      await rt.close();
      await tmp.cleanup();
    }
  });
});

describe('the model switcher rebuilds each tenant\'s index for the new version', () => {
  const item = (id: string, markets: string[]): CatalogItem =>
    ({ id, titles: { en: `item ${id}` }, descriptions: {}, category: 'c', brand: undefined, prices: {}, availableIn: markets, ts: T0 });

  /** A switcher over one tenant of 30 items, whose new indexes pass through `wrap`. */
  async function setup(wrap: (index: VectorIndex, tenant: () => TenantContext) => VectorIndex) {
    const tmp = await tempDir('meridian-rebuild-');
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    const registry = createModelRegistry({ dir: tmp.dir, logger: silentLogger });
    const store = createMemoryFeatureStore({ logger: silentLogger });
    await store.apply(Array.from({ length: 30 }, (_, i) => ({ eventId: `put-${i}`, updates: [{ op: 'item.put' as const, item: item(`i${i}`, i % 2 === 0 ? ['US', 'DE'] : ['US']) }] })));
    const defaults = { content: createHashedContentEncoder({ dim: DIM }), encoder: createDecayMixEncoder({ dim: DIM }) };
    // The tenant's first index is built plainly; the switcher's new ones pass through `wrap`.
    const held: { ctx?: TenantContext } = {};
    const tenant = (): TenantContext => held.ctx as TenantContext;
    const makeVectors = (): VectorIndex => {
      const index = createHnswVectorIndex({ dim: DIM });
      return held.ctx === undefined ? index : wrap(index, tenant);
    };
    const tenants = createTenants({ makeStore: () => Promise.resolve(store), makeVectors, makeLexical: () => createBm25Index(), content: defaults.content });
    const ctx = await tenants.get('default');
    held.ctx = ctx;
    const models = createModelSwitcher({ registry, tenants: () => tenants, makeVectors, defaults, logger });
    const version = (await registry.publish(artifact({ itemIds: ['i0'] }))).version;
    return { ctx, models, version, lines, cleanup: async () => { await tenants.close(); await tmp.cleanup(); } };
  }

  it('builds off the serving thread, and an item upserted during the build is in the new index', async () => {
    let builds = 0;
    const late = item('late', ['DE']);
    const { ctx, models, version, lines, cleanup } = await setup((index, tenant) => ({
      ...index,
      build: async (entries) => {
        builds++;
        // What the updater does with an upsert: the store and the index in service.
        await tenant().store.apply([{ eventId: 'late', updates: [{ op: 'item.put', item: late }] }]);
        tenant().vectors.upsert(late.id, new Float32Array(DIM).fill(1), late.availableIn);
        await index.build?.(entries);
      },
    }));
    try {
      await models.adopt(version);
      expect(builds).toBe(1);
      expect(ctx.vectors.size()).toBe(31);
      expect(ctx.vectors.size('DE')).toBe(16);
      expect(ctx.vectors.has('late')).toBe(true);
      expect(lines).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('inserts on the serving thread when the build fails, and still swaps', async () => {
    const { ctx, models, version, lines, cleanup } = await setup((index) => ({ ...index, build: () => Promise.reject(new Error('no threads')) }));
    try {
      const before = ctx.vectors;
      await models.adopt(version);
      expect(models.version()).toBe(version);
      expect(ctx.vectors).not.toBe(before);
      expect(ctx.vectors.size()).toBe(30);
      expect(ctx.vectors.size('DE')).toBe(15);
      expect(lines.join('\n')).toMatch(/index build off the serving thread failed.*no threads/);
    } finally {
      await cleanup();
    }
  });
});
