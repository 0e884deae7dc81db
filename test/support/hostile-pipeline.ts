import { afterEach, expect, it } from 'vitest';
import { startEngine } from './engine-harness.ts';
import { uniquePrefix } from './helpers.ts';
import { view } from './samples.ts';

/**
 * The lone-surrogate acceptance on a whole engine over the event store `eventStore` names: through
 * the API the bad event is rejected and the rest of its batch stored; around validation (a row
 * appended to the store port) the store refuses it and the runtime dead-letters it.
 */
export function hostilePipeline(eventStore: () => string): void {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('a lone surrogate in one event of a batch: that event rejected naming user_id, the others stored', async () => {
    const e = await startEngine({ eventStore: eventStore() });
    close = e.close;
    const tenant = 'default';
    const id = uniquePrefix('hs');
    const ts = Date.now() - 3_600_000;
    const events = [0, 1, 2, 3].map((i) => ({ ...view(tenant, i, { ts: ts + i }), id: `${id}-${i}`, user_id: `${id}-u${i}` }));
    const payload = JSON.stringify(events).replace(`"user_id":"${id}-u2"`, '"user_id":"x\\ud800"');
    const res = await e.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 3, rejected: 1, results: [{}, {}, { status: 'rejected', errors: [{ field: 'user_id', rule: 'wellFormed' }] }, {}] });
    await e.rt.eventStore.flush();
    const stored: string[] = [];
    for await (const ev of e.rt.eventStore.scan({ tenant, from: ts, to: ts + 10 })) if (ev.id.startsWith(id)) stored.push(ev.id);
    expect(stored.sort()).toEqual([`${id}-0`, `${id}-1`, `${id}-3`]);
  });

  it('a row the store refuses (written around validation) is dead-lettered as store_refused; the rest stored', async () => {
    const e = await startEngine({ eventStore: eventStore() });
    close = e.close;
    const tenant = uniquePrefix('hs');
    const events = [view(tenant, 0), view(tenant, 1, { user_id: 'x\ud800' }), view(tenant, 2)];
    await e.rt.eventStore.append(events);
    await e.rt.eventStore.flush();
    expect(await e.rt.eventStore.count({ tenant })).toBe(2);
    const letter = e.rt.deadLetters.recent(10).find((l) => l.source === 'event-store');
    expect(letter).toMatchObject({ reason: 'store_refused', errors: [{ field: 'event', rule: 'store', message: expect.stringMatching(/refused the event/) }] });
    expect(JSON.parse(letter?.raw ?? '{}')).toMatchObject({ id: events[1]?.id, tenant });
  });
}
