import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/index.ts';
import { createDecayMixEncoder } from '../../../src/models/index.ts';

describe('decay-mix user encoder in a batch', () => {
  it('hands out independent states: a batch keeps every step result intact until the store copies it', () => {
    // The online updater computes a whole batch of steps before the store applies any of them, so
    // results may not share memory; 64 floats × 1,000 steps spans several of the encoder's chunks.
    const dim = 64;
    const enc = createDecayMixEncoder({ dim });
    const rng = createRng(12);
    const items = Array.from({ length: 50 }, () => Float32Array.from({ length: dim }, () => rng.next() - 0.5));
    const states: Float32Array[] = [];
    const expected: number[][] = [];
    let prev: Float32Array | undefined;
    for (let i = 0; i < 1000; i++) {
      const item = items[rng.int(items.length)] as Float32Array;
      const dt = rng.int(3_600_000);
      const want = Array.from({ length: dim }, (_, d) =>
        Math.fround((prev === undefined ? 0 : (prev[d] as number) * Math.pow(2, -dt / 1_800_000)) + (item[d] as number)),
      );
      const next = enc.step(prev, item, 'view', dt);
      states.push(next);
      expected.push(want);
      prev = next;
    }
    for (let i = 0; i < states.length; i++) expect(Array.from(states[i] as Float32Array)).toEqual(expected[i]);
    // The batch did cross from one chunk to the next.
    expect(new Set(states.map((s) => s.buffer)).size).toBeGreaterThan(1);
  });
});
