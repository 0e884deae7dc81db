import { describe, expect, it } from 'vitest';
import { createInstrumentation, createRng } from '../../src/core/index.ts';
import { createHnswVectorIndex, type VectorIndex } from '../../src/index/index.ts';
import { createRecallSampler } from '../../src/serve/index.ts';

/** The recall sampler searches with the ef it is given, as the serving path does, not the index's own. */
describe('the recall sampler with the serving ef', () => {
  const dim = 32;
  const build = (): { index: VectorIndex; items: { id: string; availableIn: string[] }[] } => {
    // A sparse graph that only a wide search explores well.
    const index = createHnswVectorIndex({ dim, M: 2, efConstruction: 8, efSearch: 400 });
    const rng = createRng(7);
    const items: { id: string; availableIn: string[] }[] = [];
    for (let i = 0; i < 2000; i++) {
      const v = new Float32Array(dim);
      for (let d = 0; d < dim; d++) v[d] = rng.normal();
      index.upsert(`sku-${i}`, v, ['DE']);
      items.push({ id: `sku-${i}`, availableIn: ['DE'] });
    }
    return { index, items };
  };

  it('measures a narrow serving ef below the index default, and the default when not given', async () => {
    const { index, items } = build();
    const sources = () => [{ vectors: index, store: { async *allItems() { yield* items; } } }];
    const instrumentation = createInstrumentation();
    const wide = await createRecallSampler({ sources, instrumentation, queries: 30, seed: 3 }).sample();
    const narrow = await createRecallSampler({ sources, instrumentation, queries: 30, seed: 3, ef: 1 }).sample();
    expect(wide).toBeDefined();
    expect(narrow).toBeDefined();
    expect(narrow as number).toBeLessThan((wide as number) - 0.1);
  });

  it('refuses a bad ef at once', () => {
    expect(() => createRecallSampler({ sources: () => [], instrumentation: createInstrumentation(), ef: 0 })).toThrow(/ef must be an integer >= 1/);
    expect(() => createRecallSampler({ sources: () => [], instrumentation: createInstrumentation(), ef: 2.5 })).toThrow(/ef must be an integer >= 1/);
  });
});
