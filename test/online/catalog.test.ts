import { describe, expect, it } from 'vitest';
import { createInstrumentation } from '../../src/core/index.ts';
import { createBm25Index, createExactVectorIndex } from '../../src/index/index.ts';
import type { CatalogEvent } from '../../src/ingest/index.ts';
import { applyCatalogEvent } from '../../src/online/index.ts';
import { VALID } from '../support/samples.ts';

describe('applyCatalogEvent', () => {
  const upsert = { ...VALID.item_upsert, tenant: 't' } as CatalogEvent;
  const remove = { ...VALID.item_delete, tenant: 't' } as CatalogEvent;

  it('puts an upserted item into both indexes, reporting each, and takes a deleted one out of both', () => {
    const ctx = { vectors: createExactVectorIndex({ dim: 2 }), lexical: createBm25Index() };
    const instrumentation = createInstrumentation();
    const kinds: string[] = [];
    instrumentation.on('index.upsert', (p) => kinds.push(p.kind));
    applyCatalogEvent(ctx, upsert, new Float32Array([1, 0]), instrumentation);
    expect([ctx.vectors.size(), ctx.lexical.size()]).toEqual([1, 1]);
    expect(kinds).toEqual(['vector', 'lexical']);
    applyCatalogEvent(ctx, remove, undefined, instrumentation);
    expect([ctx.vectors.size(), ctx.lexical.size()]).toEqual([0, 0]);
  });

  it('changes nothing for an upsert without a vector', () => {
    const ctx = { vectors: createExactVectorIndex({ dim: 2 }), lexical: createBm25Index() };
    applyCatalogEvent(ctx, upsert, undefined, createInstrumentation());
    expect([ctx.vectors.size(), ctx.lexical.size()]).toEqual([0, 0]);
  });
});
