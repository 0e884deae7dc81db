import { describe, expect, it } from 'vitest';
import { grow } from '../../src/core/index.ts';

describe('grow', () => {
  it('returns the same array when it is long enough', () => {
    const a = new Int32Array(4);
    expect(grow(a, 4)).toBe(a);
    expect(grow(a, 0)).toBe(a);
  });

  it('at least doubles, keeps the old values and fills the new tail', () => {
    const a = Int32Array.from([1, 2, 3]);
    const b = grow(a, 4, -1);
    expect(b).toBeInstanceOf(Int32Array);
    expect(Array.from(b)).toEqual([1, 2, 3, -1, -1, -1]);
    expect(grow(new Float64Array(2), 9).length).toBe(9);
  });

  it('keeps the element type', () => {
    expect(grow(new Float64Array([0.5]), 2)[0]).toBe(0.5);
    expect(grow(new Uint8Array(1), 3)).toBeInstanceOf(Uint8Array);
    expect(grow(new Float32Array(0), 1)).toBeInstanceOf(Float32Array);
  });
});
