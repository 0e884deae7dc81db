import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_RAW_BYTES, DEAD_LETTER_RAW_DEPTH, createMemoryDeadLetterSink, deadLetterRaw } from '../../src/dead-letters/index.ts';

/** 100k nested arrays, as JSON.parse builds them from a 200 KB body. */
const deep = (): unknown => JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));

describe('deadLetterRaw', () => {
  it('writes plain values as JSON', () => {
    const v = { id: 'e1', n: 1.5, ok: true, none: null, list: [1, 'two', { three: 3 }], text: 'a "quoted" ü 😀' };
    expect(deadLetterRaw(v)).toBe(JSON.stringify(v));
    expect(deadLetterRaw('x')).toBe('"x"');
    expect(deadLetterRaw(undefined)).toBe('null');
  });

  it('never throws on 100k nested arrays: past the depth cap it writes "…"', () => {
    const raw = deadLetterRaw(deep());
    expect(raw.startsWith('['.repeat(DEAD_LETTER_RAW_DEPTH) + '"…"')).toBe(true);
    expect(JSON.parse(raw)).toBeDefined();
  });

  it('is bounded in size, and never throws on what JSON cannot hold', () => {
    expect(deadLetterRaw(Array.from({ length: 100_000 }, (_, i) => i)).length).toBeLessThanOrEqual(DEAD_LETTER_RAW_BYTES + 16);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => deadLetterRaw(cyclic)).not.toThrow();
    expect(deadLetterRaw({ big: 10n, f: () => 1, inf: Infinity })).toBe('{"big":"10","inf":null}');
    const hostile = { get boom(): never { throw new Error('boom'); } };
    expect(() => deadLetterRaw(hostile)).not.toThrow();
  });
});

describe('ingest of hostile values (no HTTP body check in front)', () => {
  it('a 100k-deep array is rejected and dead-lettered; ingest does not throw', async () => {
    const { createIngest } = await import('../../src/engine/ingest.ts');
    const deadLetters = createMemoryDeadLetterSink();
    const ingest = createIngest({
      tenants: {} as never,
      bus: { publish: async () => undefined } as never,
      deadLetters,
      instrumentation: { emit: () => undefined } as never,
    });
    const results = await ingest([deep()], 'test');
    expect(results).toMatchObject([{ index: 0, status: 'rejected', reason: 'not_an_object' }]);
    expect(deadLetters.recent(1)[0]?.raw.length).toBeGreaterThan(0);
  });
});
