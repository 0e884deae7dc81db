/**
 * Float32Array allocation from shared chunks. A typed array over 64 bytes gets its own off-heap
 * buffer, which costs about a microsecond and GC work per allocation; a view into a chunk costs a
 * few tens of nanoseconds. The price: a chunk stays alive while any view into it does, so arenas
 * suit vectors that live briefly (per event, per read) or as long as each other (stored state).
 */
export interface VectorArena {
  /** A zeroed vector of `n` floats. */
  alloc(n: number): Float32Array;
  /** A copy of `v`. */
  copy(v: Float32Array): Float32Array;
}

export function createVectorArena(chunkFloats = 16_384): VectorArena {
  if (!Number.isInteger(chunkFloats) || chunkFloats < 1) throw new RangeError(`chunkFloats must be an integer >= 1, got ${chunkFloats}`);
  let chunk = new ArrayBuffer(0);
  let capacity = 0;
  let used = 0;
  const alloc = (n: number): Float32Array => {
    if (used + n > capacity) {
      capacity = Math.max(chunkFloats, n);
      chunk = new ArrayBuffer(capacity * Float32Array.BYTES_PER_ELEMENT);
      used = 0;
    }
    // A view over the buffer (cheaper than `subarray`, which looks up a species constructor).
    const v = new Float32Array(chunk, used * Float32Array.BYTES_PER_ELEMENT, n);
    used += n;
    return v;
  };
  return {
    alloc,
    copy(v) {
      const out = alloc(v.length);
      out.set(v);
      return out;
    },
  };
}
