import { describe, expect, it } from 'vitest';
import { createMemoryDeadLetterSink } from '../../src/dead-letters/index.ts';
import { DEFAULT_EVENT_TIME_WINDOW } from '../../src/ingest/index.ts';
import type { BusRecord } from '../../src/bus/index.ts';
import { deadLetterOptions, deadLetterRefused, withinEventTime } from '../../src/main/dead-letters.ts';
import { loadConfig } from '../../src/config/index.ts';
import { view } from '../support/samples.ts';

const NOW = Date.UTC(2026, 11, 8);
const record = (i: number, ts: number): BusRecord => ({ offset: i, partition: 0, event: view('t', i, { ts }) });

describe('worker-side event-time window', () => {
  it('dead-letters records outside the window naming ts, and passes the rest in order', async () => {
    const sink = createMemoryDeadLetterSink();
    const records = [record(0, NOW - 1000), record(1, NOW + 3 * 86_400_000), record(2, NOW), record(3, 1000)];
    const kept = await withinEventTime(records, DEFAULT_EVENT_TIME_WINDOW, NOW, sink, 'kafka');
    expect(kept.map((r) => r.offset)).toEqual([0, 2]);
    expect(sink.recent(10).map((l) => [l.position, l.source, l.reason, l.errors[0]?.field, l.errors[0]?.rule])).toEqual([
      [1, 'kafka', 'invalid_field', 'ts', 'maximum'],
      [3, 'kafka', 'invalid_field', 'ts', 'minimum'],
    ]);
  });

  it('a batch wholly inside the window comes back as is, nothing written', async () => {
    const sink = createMemoryDeadLetterSink();
    const records = [record(0, NOW), record(1, NOW + 1)];
    expect(await withinEventTime(records, DEFAULT_EVENT_TIME_WINDOW, NOW, sink, 'kafka')).toBe(records);
    expect(sink.count()).toBe(0);
  });
});

describe('dead letters of refused rows and the ingest config', () => {
  it('a refused event is a store_refused letter from the event store, with the store reason', async () => {
    const sink = createMemoryDeadLetterSink();
    await deadLetterRefused(sink, () => 42)([{ event: view('t', 1), reason: 'the event store refused the event: Code: 25' }]);
    expect(sink.recent(1)).toEqual([
      { source: 'event-store', reason: 'store_refused', errors: [{ field: 'event', rule: 'store', message: 'the event store refused the event: Code: 25' }], raw: JSON.stringify(view('t', 1)), at: 42 },
    ]);
  });

  it('ingest.* config: defaults and the environment', () => {
    expect(loadConfig({ env: {} }).ingest).toEqual({ maxAheadMs: 86_400_000, earliestTs: Date.UTC(2000, 0, 1), deadLetterFileBytes: 64 * 1024 * 1024, deadLetterFiles: 8, deadLetterRedact: 'off' });
    const config = loadConfig({ env: { MERIDIAN_DEAD_LETTER_REDACT: 'hash', MERIDIAN_DEAD_LETTER_FILES: '3', MERIDIAN_INGEST_MAX_AHEAD_MS: '60000' } });
    expect(deadLetterOptions(config)).toEqual({ rotation: { maxBytes: 64 * 1024 * 1024, keep: 3 }, redact: 'hash' });
    expect(config.ingest.maxAheadMs).toBe(60_000);
    expect(() => loadConfig({ env: { MERIDIAN_DEAD_LETTER_REDACT: 'maybe' } })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
  });
});
