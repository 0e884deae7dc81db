import { describe, expect, it } from 'vitest';
import { createExactVectorIndex } from '../../src/index/index.ts';
import { isMeridianError } from '../../src/core/index.ts';
import { DIM, vectorIndexContract } from '../contracts/vector-index.contract.ts';

vectorIndexContract('exact', () => createExactVectorIndex({ dim: DIM }));

describe('createExactVectorIndex', () => {
  it('rejects a bad dimension', () => {
    for (const dim of [0, -1, 1.5, Number.NaN]) {
      let err: unknown;
      try {
        createExactVectorIndex({ dim });
      } catch (e) {
        err = e;
      }
      expect(isMeridianError(err) && err.code).toBe('index_option_invalid');
    }
  });
});
