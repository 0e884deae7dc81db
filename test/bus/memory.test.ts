import { describe, expect, it } from 'vitest';
import { silentLogger, type MeridianError } from '../../src/core/index.ts';
import { createMemoryBus, type BusRecord } from '../../src/bus/index.ts';
import { eventBusContract } from '../contracts/event-bus.contract.ts';
import { view } from '../support/samples.ts';

eventBusContract('memory', async () => createMemoryBus({ logger: silentLogger }));

describe('memory bus', () => {
  it('resolves publish only after every group handled the events', async () => {
    const bus = createMemoryBus({ logger: silentLogger });
    const a: string[] = [];
    const b: string[] = [];
    await bus.subscribe('a', async (rs) => {
      await new Promise((r) => setImmediate(r));
      for (const r of rs) a.push(r.event.id);
    });
    await bus.subscribe('b', async (rs) => {
      for (const r of rs) b.push(r.event.id);
    });
    await bus.publish([view('t', 1), view('t', 2)]);
    expect(a).toEqual([view('t', 1).id, view('t', 2).id]);
    expect(b).toEqual(a);
    await bus.close();
  });

  it('rejects publish with a retriable bus_handler_failed and redelivers from the committed offset', async () => {
    const bus = createMemoryBus({ logger: silentLogger });
    const deliveries: number[][] = [];
    let fail = true;
    await bus.subscribe('g', async (rs) => {
      deliveries.push(rs.map((r) => r.offset));
      if (fail && rs.some((r) => r.offset === 2)) throw new Error('boom');
    });
    await bus.publish([view('t', 0), view('t', 1)]);
    const err = (await bus.publish([view('t', 2)]).catch((e: unknown) => e)) as MeridianError;
    expect(err.code).toBe('bus_handler_failed');
    expect(err.retriable).toBe(true);
    fail = false;
    await bus.publish([view('t', 3)]);
    expect(deliveries).toEqual([[0, 1], [2], [2, 3]]);
    await bus.close();
  });

  it('delivers in batches of at most 500 records', async () => {
    const bus = createMemoryBus({ logger: silentLogger });
    await bus.publish(Array.from({ length: 1234 }, (_, i) => view('t', i)));
    const sizes: number[] = [];
    await bus.subscribe('late', async (rs) => {
      sizes.push(rs.length);
    });
    expect(sizes).toEqual([500, 500, 234]);
    await bus.close();
  });

  it('never runs one group\'s handler concurrently, even for concurrent publishes', async () => {
    const bus = createMemoryBus({ logger: silentLogger });
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await bus.subscribe('g', async (rs) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setImmediate(r));
      for (const r of rs) seen.push(r.offset);
      active--;
    });
    await Promise.all(Array.from({ length: 20 }, (_, i) => bus.publish([view('t', i)])));
    expect(peak).toBe(1);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await bus.close();
  });

  it('trims records every group committed once the log passes retention, never unhandled ones', async () => {
    const bus = createMemoryBus({ logger: silentLogger, retention: 10 });
    let stuck = true;
    await bus.subscribe('slow', async () => {
      if (stuck) throw new Error('down');
    });
    for (let i = 0; i < 30; i++) await bus.publish([view('t', i)]).catch(() => undefined);
    const fromStart: BusRecord[] = [];
    await bus.subscribe('late1', async (rs) => {
      fromStart.push(...rs);
    });
    expect(fromStart.map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i)); // 'slow' holds the log
    stuck = false;
    await bus.publish([view('t', 30)]);
    const tail: BusRecord[] = [];
    await bus.subscribe('late2', async (rs) => {
      tail.push(...rs);
    });
    expect(tail.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
    await bus.close();
  });

  it('refuses a second subscription of the same group and bad options', async () => {
    const bus = createMemoryBus({ logger: silentLogger });
    await bus.subscribe('g', async () => undefined);
    await expect(bus.subscribe('g', async () => undefined)).rejects.toMatchObject({ code: 'bus_group_exists' });
    expect(() => createMemoryBus({ logger: silentLogger, retention: 0 })).toThrow(/retention/);
    await bus.close();
  });

  it('stops delivering on close and refuses later publishes', async () => {
    const bus = createMemoryBus({ logger: silentLogger });
    const seen: number[] = [];
    await bus.subscribe('g', async (rs) => {
      for (const r of rs) seen.push(r.offset);
    });
    await bus.publish([view('t', 0)]);
    await bus.close();
    expect(await bus.ping()).toBe(false);
    await expect(bus.publish([view('t', 1)])).rejects.toMatchObject({ code: 'bus_closed' });
    expect(seen).toEqual([0]);
  });
});
