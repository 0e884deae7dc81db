import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInstrumentation, createRng, type InstrumentationEvents, type Logger } from '../../src/core/index.ts';
import { createExactVectorIndex, createHnswVectorIndex, type VectorIndex } from '../../src/index/index.ts';
import { createRecallSampler, type RecallSource } from '../../src/serve/index.ts';
import { waitFor } from '../support/helpers.ts';

const DIM = 16;

interface Item {
  id: string;
  availableIn: string[];
}

/** Items with seeded random vectors in one or two of three markets, put into `index`. */
function populate(index: VectorIndex, n: number, seed = 3): Item[] {
  const rng = createRng(seed);
  const markets = ['DE', 'FR', 'JP'];
  const items: Item[] = [];
  for (let i = 0; i < n; i++) {
    const v = new Float32Array(DIM);
    for (let d = 0; d < DIM; d++) v[d] = rng.normal();
    const availableIn = rng.next() < 0.3 ? [rng.pick(markets), rng.pick(markets)] : [rng.pick(markets)];
    const item = { id: `sku-${i}`, availableIn: [...new Set(availableIn)] };
    index.upsert(item.id, v, item.availableIn);
    items.push(item);
  }
  return items;
}

const source = (vectors: VectorIndex, items: readonly Item[]): RecallSource => ({
  vectors,
  store: {
    async *allItems() {
      yield* items;
    },
  },
});

function recorder() {
  const instrumentation = createInstrumentation();
  const samples: InstrumentationEvents['index.recall'][] = [];
  instrumentation.on('index.recall', (p) => samples.push(p));
  return { instrumentation, samples };
}

/** An index that answers with the k items farthest from the query: the worst possible recall. */
function farthest(inner: VectorIndex): VectorIndex {
  return {
    ...inner,
    search(market, query, k, exclude) {
      const all = inner.search(market, query, inner.size(market), exclude);
      return all.slice(-k).reverse();
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the recall sampler', () => {
  it('finds an HNSW index with a wide search as good as exact search, and emits the sample', async () => {
    const hnsw = createHnswVectorIndex({ dim: DIM, efSearch: 400 });
    const items = populate(hnsw, 300);
    const { instrumentation, samples } = recorder();
    const sampler = createRecallSampler({ sources: () => [source(hnsw, items)], instrumentation, k: 10, queries: 20 });
    expect(await sampler.sample()).toBe(1);
    expect(samples).toEqual([{ recall: 1, k: 10, queries: 20 }]);
  });

  it('measures a narrow search below a wide one, and a wrong index at zero', async () => {
    const narrow = createHnswVectorIndex({ dim: DIM, M: 2, efSearch: 1, efConstruction: 4 });
    const items = populate(narrow, 2000);
    const { instrumentation } = recorder();
    const narrowRecall = await createRecallSampler({ sources: () => [source(narrow, items)], instrumentation, queries: 30 }).sample();
    expect(narrowRecall).toBeGreaterThan(0);
    expect(narrowRecall).toBeLessThan(0.95);

    const exact = createExactVectorIndex({ dim: DIM });
    const exactItems = populate(exact, 300);
    expect(await createRecallSampler({ sources: () => [source(exact, exactItems)], instrumentation }).sample()).toBe(1);
    expect(await createRecallSampler({ sources: () => [source(farthest(exact), exactItems)], instrumentation }).sample()).toBe(0);
  });

  it('leaves the query item out of both result lists', async () => {
    const exact = createExactVectorIndex({ dim: DIM });
    const items = populate(exact, 50);
    const seen: boolean[] = [];
    const spy: VectorIndex = {
      ...exact,
      search(market, query, k, exclude) {
        const out = exact.search(market, query, k, exclude);
        // The query is an item's own vector: without the exclusion it would come back first.
        seen.push(exclude !== undefined && out.every((s) => !exclude(s.id)));
        return out;
      },
    };
    const { instrumentation } = recorder();
    expect(await createRecallSampler({ sources: () => [source(spy, items)], instrumentation, queries: 5 }).sample()).toBe(1);
    expect(seen).toEqual([true, true, true, true, true]);
  });

  it('samples nothing for an empty catalog, and skips a catalog over maxItems with one warning', async () => {
    const { instrumentation, samples } = recorder();
    const empty = createRecallSampler({ sources: () => [source(createExactVectorIndex({ dim: DIM }), [])], instrumentation });
    expect(await empty.sample()).toBeUndefined();

    const exact = createExactVectorIndex({ dim: DIM });
    const items = populate(exact, 100);
    const warnings: string[] = [];
    const logger = { warn: (msg: string) => warnings.push(msg) } as unknown as Logger;
    const big = createRecallSampler({ sources: () => [source(exact, items)], instrumentation, logger, maxItems: 50 });
    expect(await big.sample()).toBeUndefined();
    expect(await big.sample()).toBeUndefined();
    expect(warnings).toEqual(['recall sampling skipped: the catalog is larger than maxItems']);
    expect(samples).toEqual([]);
  });

  it('samples on its interval until stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const exact = createExactVectorIndex({ dim: DIM });
    const items = populate(exact, 40);
    const { instrumentation, samples } = recorder();
    const sampler = createRecallSampler({ sources: () => [source(exact, items)], instrumentation, intervalMs: 60_000, queries: 2 });
    sampler.start();
    vi.advanceTimersByTime(59_999);
    expect(samples).toHaveLength(0);
    vi.advanceTimersByTime(1);
    await waitFor(() => samples.length === 1, { what: 'the first sample' });
    vi.advanceTimersByTime(60_000);
    await waitFor(() => samples.length === 2, { what: 'the second sample' });
    await sampler.stop();
    vi.advanceTimersByTime(600_000);
    expect(vi.getTimerCount()).toBe(0);
    expect(samples).toHaveLength(2);
  });

  it('refuses bad options at once', () => {
    const { instrumentation } = recorder();
    expect(() => createRecallSampler({ sources: () => [], instrumentation, k: 0 })).toThrow(/k must be an integer >= 1/);
    expect(() => createRecallSampler({ sources: () => [], instrumentation, queries: 1.5 })).toThrow(/queries/);
  });
});

describe('the recall sample is background work', () => {
  it('lets other work in between chunks of its exact scan, as often as its slice asks, with the same recall', async () => {
    const index = createExactVectorIndex({ dim: DIM });
    const items = populate(index, 3000, 9);
    const turns = async (sliceMs: number): Promise<{ recall: number | undefined; turns: number }> => {
      const { instrumentation } = recorder();
      const s = createRecallSampler({ sources: () => [source(index, items)], instrumentation, queries: 8, seed: 4, sliceMs });
      let n = 0;
      let on = true;
      const tick = (): void => {
        n++;
        if (on) setImmediate(tick);
      };
      setImmediate(tick);
      const recall = await s.sample();
      on = false;
      return { recall, turns: n };
    };
    const everyChunk = await turns(1e-9);
    // The catalog read yields about 11 times and each query once (19 turns in all without more);
    // each query's exact scan of a market of about 1,000 items yields once per chunk of 256 besides.
    expect(everyChunk.turns).toBeGreaterThanOrEqual(40);
    expect(everyChunk.recall).toBe(1);
    expect((await turns(1000)).recall).toBe(everyChunk.recall);
    expect(() => createRecallSampler({ sources: () => [], instrumentation: createInstrumentation(), sliceMs: 0 })).toThrow(/sliceMs/);
  });
});
