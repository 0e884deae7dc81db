import { describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import type { RejectedEvent } from '../../src/event-store/index.ts';
import { createInsertBuffer } from '../../src/event-store/insert-buffer.ts';
import { view } from '../support/samples.ts';

class Refused extends Error {}

/** A store that refuses any batch holding a `bad` id (naming the first), and fails like a network while `down`. */
function store(bad: ReadonlySet<string>) {
  const stored: string[] = [];
  const state = { writes: 0, down: 0, sinkDown: 0, failAt: 0 };
  const rejected: RejectedEvent[] = [];
  return {
    stored,
    rejected,
    state,
    write: async (batch: readonly MeridianEvent[]) => {
      state.writes++;
      if (state.writes === state.failAt) throw new Error('ECONNRESET');
      if (state.down > 0) {
        state.down--;
        throw new Error('ECONNRESET');
      }
      const first = batch.find((e) => bad.has(e.id));
      if (first !== undefined) throw new Refused(`cannot parse row ${first.id}`);
      stored.push(...batch.map((e) => e.id));
    },
    refusal: (e: unknown) => (e instanceof Refused ? e.message : undefined),
    sink: async (rows: readonly RejectedEvent[]) => {
      if (state.sinkDown > 0) {
        state.sinkDown--;
        throw new Error('dead-letter sink down');
      }
      rejected.push(...rows);
    },
  };
}

const events = (n: number) => Array.from({ length: n }, (_, i) => view('t', i));
const idsAt = (...at: number[]) => new Set(at.map((i) => view('t', i).id));

describe('insert buffer: a batch the store refuses for its data', () => {
  it('is split: the refused events go to `rejected` with the store reason, every other event is stored once, in order', async () => {
    const bad = idsAt(3, 77, 78, 99);
    const all = events(100);
    expect(all.filter((e) => bad.has(e.id))).toHaveLength(4);
    const s = store(bad);
    const buf = createInsertBuffer({ write: s.write, refusal: s.refusal, rejected: s.sink, logger: silentLogger, instrumentation: createInstrumentation(), batchSize: 100, flushIntervalMs: 3_600_000 });
    await buf.add(all);
    await buf.flush();
    expect(s.stored).toEqual(all.filter((e) => !bad.has(e.id)).map((e) => e.id));
    expect(s.rejected.map((r) => [r.event.id, r.reason])).toEqual([...bad].map((id) => [id, `cannot parse row ${id}`]));
    expect(buf.pending).toBe(0);
    expect(s.state.writes).toBeLessThan(60); // bisection, not one insert per event
    await buf.close();
  });

  it('a lone refused event is rejected at once', async () => {
    const s = store(idsAt(0));
    const buf = createInsertBuffer({ write: s.write, refusal: s.refusal, rejected: s.sink, logger: silentLogger, instrumentation: createInstrumentation(), flushIntervalMs: 3_600_000 });
    await buf.add(events(1));
    await buf.flush();
    expect(s.rejected.map((r) => r.event.id)).toEqual([...idsAt(0)]);
    expect(s.stored).toEqual([]);
    await buf.close();
  });

  it('a transport failure while splitting keeps what is not stored yet, and the next flush finishes', async () => {
    const bad = idsAt(5);
    const all = events(16);
    const s = store(bad);
    s.state.failAt = 4; // 1: all 16 refused; 2: 0-7 refused; 3: 0-3 stored; 4: 4-7 hits the network
    const buf = createInsertBuffer({ write: s.write, refusal: s.refusal, rejected: s.sink, logger: silentLogger, instrumentation: createInstrumentation(), batchSize: 100, flushIntervalMs: 3_600_000 });
    await buf.add(all);
    await expect(buf.flush()).rejects.toMatchObject({ code: 'event_store_flush_failed', retriable: true });
    expect(s.stored).toEqual(all.slice(0, 4).map((e) => e.id));
    expect(buf.pending).toBe(12);
    await buf.flush();
    expect(buf.pending).toBe(0);
    expect(s.stored).toEqual(all.filter((e) => !bad.has(e.id)).map((e) => e.id));
    expect(s.rejected.map((r) => r.event.id)).toEqual([...bad]);
    await buf.close();
  });

  it('a failure to dead-letter keeps the events for the next flush; nothing is lost', async () => {
    const bad = idsAt(2);
    const all = events(8);
    const s = store(bad);
    s.state.sinkDown = 1;
    const buf = createInsertBuffer({ write: s.write, refusal: s.refusal, rejected: s.sink, logger: silentLogger, instrumentation: createInstrumentation(), batchSize: 100, flushIntervalMs: 3_600_000 });
    await buf.add(all);
    await expect(buf.flush()).rejects.toMatchObject({ code: 'event_store_flush_failed' });
    expect(buf.pending).toBeGreaterThan(0);
    await buf.flush();
    expect(buf.pending).toBe(0);
    expect([...new Set(s.stored)].sort()).toEqual(all.filter((e) => !bad.has(e.id)).map((e) => e.id).sort());
    expect(s.rejected.map((r) => r.event.id)).toEqual([...bad]);
    await buf.close();
  });

  it('a failure that is not a refusal is retried whole, as before (no split)', async () => {
    const s = store(new Set());
    s.state.down = 1;
    const buf = createInsertBuffer({ write: s.write, refusal: s.refusal, rejected: s.sink, logger: silentLogger, instrumentation: createInstrumentation(), batchSize: 100, flushIntervalMs: 3_600_000 });
    await buf.add(events(10));
    await expect(buf.flush()).rejects.toMatchObject({ code: 'event_store_flush_failed', retriable: true });
    expect(buf.pending).toBe(10);
    await buf.flush();
    expect(s.stored).toHaveLength(10);
    expect(s.state.writes).toBe(2);
    await buf.close();
  });
});
