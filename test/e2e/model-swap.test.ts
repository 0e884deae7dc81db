import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectTrainingData } from '../../src/models/data.ts';
import { trainModel } from '../../src/batch/train/train.ts';
import { dot, norm, silentLogger } from '../../src/core/index.ts';
import { createModelRegistry, type ModelArtifact, type ModelRegistry } from '../../src/registry/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { tempDir, waitFor } from '../support/helpers.ts';
import { post, startEngine, type ListBody } from '../support/engine-harness.ts';

const T0 = Date.UTC(2026, 5, 1);
const BUILT_IN = 'hashed-content-64+decay-mix';

interface Sample {
  ms: number;
  ok: boolean;
  model: string | undefined;
}

const p99 = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] as number;
};

/** `concurrency` loops of recommendation requests until `until()` is true; every answer is recorded. */
async function load(
  base: string,
  users: readonly string[],
  concurrency: number,
  until: (done: number) => boolean,
  samples: Sample[] = [],
): Promise<Sample[]> {
  const loop = async (w: number): Promise<void> => {
    for (let i = w; !until(samples.length); i += concurrency) {
      const user = users[i % users.length] as string;
      const t0 = performance.now();
      let ok = false;
      let model: string | undefined;
      try {
        const res = await fetch(`${base}/v1/recommendations?user=${user}&market=US&k=10`);
        const body = (await res.json()) as ListBody;
        ok = res.status === 200 && body.items.length > 0;
        model = body.model;
      } catch {
        ok = false;
      }
      samples.push({ ms: performance.now() - t0, ok, model });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
  return samples;
}

describe('a model published while the engine serves load', () => {
  let env: Awaited<ReturnType<typeof startEngine>>;
  let registry: ModelRegistry;
  let cleanup: () => Promise<void>;
  let base: string;
  let users: string[];
  let artifact: ModelArtifact;

  beforeAll(async () => {
    const tmp = await tempDir('meridian-swap-');
    cleanup = tmp.cleanup;
    env = await startEngine({ modelDir: tmp.dir });
    registry = createModelRegistry({ dir: tmp.dir, logger: silentLogger });
    const catalog = createCatalog({ seed: 5, items: 300, ts: T0 });
    const upserts = [...catalog];
    const shoppers = createShoppers({ seed: 5, users: 80 });
    users = shoppers.filter((s) => !s.guest).map((s) => s.id);
    const traffic = [...createTraffic({ seed: 5, catalog, shoppers, start: T0 + 3_600_000, events: 5000 })];
    await post(env.app, upserts);
    await post(env.app, traffic);
    await env.rt.eventStore.flush();
    // Trained before the measurement: what is measured is the swap, not training sharing the CPU.
    const data = await collectTrainingData(env.rt.eventStore.scan());
    artifact = await trainModel(data, { dim: 64, epochs: 3, evaluate: false });
    base = await env.app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await env?.close();
    await cleanup?.();
  });

  it('swaps without a failed request, and every later answer names the new version', async () => {
    expect(env.rt.engine.modelVersion()).toBe(BUILT_IN);
    const before = await load(base, users, 8, (n) => n >= 800);

    // From publish until 400 answers after the swap: the window in which the new index is built and swapped in.
    const swap = { at: Infinity };
    const samples: Sample[] = [];
    const during = load(base, users, 8, (n) => n >= swap.at + 400, samples);
    const { version } = await registry.publish(artifact);
    await registry.activate(version);
    await waitFor(() => env.rt.engine.modelVersion() === version, { timeoutMs: 20_000, what: 'the new model in service' });
    swap.at = samples.length;
    await during;

    const failed = [...before, ...samples].filter((s) => !s.ok);
    expect(failed).toEqual([]);
    expect(before.every((s) => s.model === BUILT_IN)).toBe(true);
    expect(samples.some((s) => s.model === BUILT_IN)).toBe(true);
    expect(samples.slice(-100).every((s) => s.model === version)).toBe(true);
    const ratio = p99(samples.map((s) => s.ms)) / p99(before.map((s) => s.ms));
    console.info(`model swap: p99 before ${p99(before.map((s) => s.ms)).toFixed(1)} ms, during ${p99(samples.map((s) => s.ms)).toFixed(1)} ms (×${ratio.toFixed(2)}), ${samples.length} requests during`);
  }, 120_000);

  it('serves learned vectors for known items, the content map for a new one, and rolls back on one command', async () => {
    const first = env.rt.engine.modelVersion();
    const ctx = await env.rt.tenants.get('default');
    const known = artifact.itemIds[0] as string;
    const learned = artifact.itemVectors.subarray(0, artifact.dim);
    expect(Array.from(ctx.vectors.vector(known) ?? [])).toEqual(Array.from(learned));
    // A new item with the content of a known one: the content map puts it next to that item's learned vector.
    const item = (await ctx.store.getItem(known))!;
    await post(env.app, [{
      id: 'upsert-cold-1', type: 'item_upsert', tenant: 'default', ts: T0 + 10 * 86_400_000, item_id: 'cold-1',
      titles: item.titles, category: item.category, brand: item.brand, prices: item.prices, available_in: item.availableIn,
    }]);
    const cold = ctx.vectors.vector('cold-1');
    expect(cold).toBeDefined();
    expect(dot(cold!, learned)).toBeGreaterThan(0.5);
    expect(Math.abs(norm(cold!) - 1)).toBeLessThan(1e-4);

    const second = await registry.publish({ ...artifact, config: { ...artifact.config, run: 2 } });
    await registry.activate(second.version);
    await waitFor(() => env.rt.engine.modelVersion() === second.version, { timeoutMs: 20_000, what: 'second version' });
    expect(await registry.rollback()).toBe(first);
    await waitFor(() => env.rt.engine.modelVersion() === first, { timeoutMs: 20_000, what: 'rollback' });

    // A version whose dimension differs from the index is refused; the one in service stays.
    const inputDim = Number(artifact.content.inputDim);
    const narrow = await registry.publish({
      ...artifact,
      dim: 16,
      itemVectors: artifact.itemVectors.subarray(0, artifact.itemIds.length * 16),
      weights: { 'content-map': { shape: [inputDim + 1, 16], data: new Float32Array((inputDim + 1) * 16) } },
    });
    await env.rt.models.adopt(narrow.version);
    expect(env.rt.engine.modelVersion()).toBe(first);
    // A damaged version is refused the same way.
    const broken = await registry.publish({ ...artifact, weights: {} });
    await expect(env.rt.models.adopt(broken.version)).rejects.toMatchObject({ code: 'model_corrupt' });
    expect(env.rt.engine.modelVersion()).toBe(first);
  }, 60_000);
});
