import { describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger, type InstrumentationEvents } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { createInsertBuffer } from '../../src/event-store/insert-buffer.ts';
import { waitFor } from '../support/helpers.ts';
import { view } from '../support/samples.ts';

function sink(): { written: MeridianEvent[][]; fail: { next: number }; write: (b: readonly MeridianEvent[]) => Promise<void> } {
  const written: MeridianEvent[][] = [];
  const fail = { next: 0 };
  return {
    written,
    fail,
    write: async (batch) => {
      if (fail.next > 0) {
        fail.next--;
        throw new Error('insert refused');
      }
      written.push([...batch]);
    },
  };
}

const ids = (batches: MeridianEvent[][]): string[] => batches.flat().map((e) => e.id);

describe('insert buffer', () => {
  it('writes full batches at once and the rest on flush, in append order', async () => {
    const s = sink();
    const buf = createInsertBuffer({ write: s.write, logger: silentLogger, instrumentation: createInstrumentation(), batchSize: 4, flushIntervalMs: 3_600_000 });
    const events = Array.from({ length: 10 }, (_, i) => view('t', i));
    await buf.add(events.slice(0, 3));
    expect(s.written).toEqual([]);
    await buf.add(events.slice(3, 9));
    expect(s.written.map((b) => b.length)).toEqual([4, 4, 1]);
    await buf.add(events.slice(9));
    expect(buf.pending).toBe(1);
    await buf.close();
    expect(ids(s.written)).toEqual(events.map((e) => e.id));
  });

  it('keeps a failed batch, reports it, and inserts it first on the next try', async () => {
    const s = sink();
    const instrumentation = createInstrumentation();
    const reports: InstrumentationEvents['eventstore.flushed'][] = [];
    instrumentation.on('eventstore.flushed', (p) => reports.push(p));
    const buf = createInsertBuffer({ write: s.write, logger: silentLogger, instrumentation, batchSize: 100, flushIntervalMs: 3_600_000 });
    await buf.add([view('t', 1), view('t', 2)]);
    s.fail.next = 1;
    await expect(buf.flush()).rejects.toMatchObject({ code: 'event_store_flush_failed', retriable: true });
    expect(buf.pending).toBe(2);
    await buf.add([view('t', 3)]);
    await buf.flush();
    expect(ids(s.written)).toEqual([view('t', 1).id, view('t', 2).id, view('t', 3).id]);
    expect(reports.map((r) => [r.events, r.ok])).toEqual([[2, false], [3, true]]);
  });

  it('retries a failed insert on the timer', async () => {
    const s = sink();
    s.fail.next = 2;
    const buf = createInsertBuffer({ write: s.write, logger: silentLogger, instrumentation: createInstrumentation(), flushIntervalMs: 10 });
    await buf.add([view('t', 1)]);
    await waitFor(() => s.written.length === 1, { what: 'retried insert' });
    expect(s.fail.next).toBe(0);
    await buf.close();
  });

  it('refuses new events past maxPending instead of dropping any', async () => {
    const s = sink();
    s.fail.next = Number.MAX_SAFE_INTEGER;
    const buf = createInsertBuffer({ write: s.write, logger: silentLogger, instrumentation: createInstrumentation(), batchSize: 2, maxPending: 5, flushIntervalMs: 3_600_000 });
    await buf.add([view('t', 1), view('t', 2)]);
    await buf.add([view('t', 3), view('t', 4)]);
    await expect(buf.add([view('t', 5), view('t', 6)])).rejects.toMatchObject({ code: 'event_store_backlog', retriable: true });
    expect(buf.pending).toBe(4);
    s.fail.next = 0;
    await buf.close();
    expect(ids(s.written)).toEqual([1, 2, 3, 4].map((i) => view('t', i).id));
    await expect(buf.add([view('t', 7)])).rejects.toMatchObject({ code: 'event_store_closed' });
  });

  it('rejects bad options', () => {
    const deps = { write: async () => undefined, logger: silentLogger, instrumentation: createInstrumentation() };
    expect(() => createInsertBuffer({ ...deps, batchSize: 0 })).toThrow(/batchSize/);
    expect(() => createInsertBuffer({ ...deps, flushIntervalMs: 1.5 })).toThrow(/flushIntervalMs/);
  });
});
