import { describe, expect, it } from 'vitest';
import { createMemoryEventStore, createMemoryEventTable } from '../../src/event-store/index.ts';
import { eventStoreContract } from '../contracts/event-store.contract.ts';
import { view } from '../support/samples.ts';

// One table for the suite: every store made on it sees the same events, like a reopened database.
const table = createMemoryEventTable();
eventStoreContract('memory', async () => createMemoryEventStore({ table }));

describe('memory event store', () => {
  it('shows appends at once and keeps a scan stable while appending', async () => {
    const store = createMemoryEventStore();
    await store.append([view('t', 1), view('t', 3)]);
    expect(await store.count()).toBe(2);
    const seen: string[] = [];
    for await (const e of store.scan({ tenant: 't' })) {
      seen.push(e.id);
      await store.append([view('t', 2)]); // lands before the cursor; must not repeat or skip
    }
    expect(seen).toEqual([view('t', 1).id, view('t', 3).id]);
    expect(await store.count({ tenant: 't' })).toBe(3); // the event appended twice is kept once
  });

  it('keeps each (tenant, id) once within one append, tenants interleaved', async () => {
    const store = createMemoryEventStore();
    const a = view('ta', 1);
    const b = view('tb', 1, { id: a.id });
    await store.append([a, b, a, view('ta', 2), b, view('tb', 3), a]);
    await store.append([view('tb', 3), b]);
    expect(await store.count({ tenant: 'ta' })).toBe(2);
    expect(await store.count({ tenant: 'tb' })).toBe(2);
    expect(await store.count()).toBe(4);
  });

  it('refuses a range with a non-integer bound', async () => {
    const store = createMemoryEventStore();
    await expect(store.count({ from: Number.NaN })).rejects.toMatchObject({ code: 'range_invalid' });
  });
});
