import { describe, expect, it } from 'vitest';
import { createIdTable, createRng } from '../../src/core/index.ts';

describe('id table without a limit', () => {
  it('agrees with a Set through growth and probe-run collisions, adding each id once', () => {
    const rng = createRng(11);
    const ids = createIdTable();
    const ref = new Set<string>();
    for (let step = 0; step < 30_000; step++) {
      // Ids that share long prefixes and differ at the end, like generated event ids.
      const id = `evt-${rng.int(12_000)}`;
      if (ids.has(id) !== ref.has(id)) throw new Error(`step ${step}: has(${id}) disagrees`);
      const isNew = !ref.has(id);
      ref.add(id);
      if (ids.add(id) !== isNew) throw new Error(`step ${step}: add(${id}) disagrees`);
    }
    expect(ids.size).toBe(ref.size);
    expect(ids.size).toBeGreaterThan(2048); // grew past its first table
    for (const id of ref) expect(ids.has(id)).toBe(true);
    expect(ids.has('evt-12000')).toBe(false);
    expect([...ids.ordered()]).toEqual([...ref]);
  });

  it('tells ids apart by their whole text, not their hash alone', () => {
    const ids = createIdTable();
    expect(ids.add('')).toBe(true);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
    expect(ids.has('A')).toBe(false);
    expect(ids.add('é')).toBe(true);
    expect(ids.has('e\u0301')).toBe(false);
    expect(ids.size).toBe(3);
  });
});
