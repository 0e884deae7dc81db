import { afterEach, describe, expect, it } from 'vitest';
import { startEngine } from '../support/engine-harness.ts';
import { LIMITS } from '../../src/ingest/index.ts';

const DAY = 86_400_000;
const NOW = Date.now();
const view = (i: number, extra: Record<string, unknown> = {}) => ({
  id: `h-${i}`, type: 'view', market: 'DE', locale: 'de-DE', user_id: `u${i}`, item_id: 'sku-1', ts: NOW - DAY + i, ...extra,
});

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function engine(overrides: Record<string, unknown> = {}) {
  const e = await startEngine(overrides);
  close = e.close;
  const post = (payload: string) =>
    e.app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json' }, payload });
  return { ...e, post };
}

type Body = { accepted: number; rejected: number; results: { index: number; status: string; errors?: { field: string; rule: string }[] }[] };

describe('hostile input on the embedded engine (memory adapters)', () => {
  it('a lone surrogate in one event rejects that event only; the others are stored', async () => {
    const e = await engine();
    const payload = JSON.stringify([view(1), view(2), view(3)]).replace('"user_id":"u2"', '"user_id":"x\\ud800"');
    const res = await e.post(payload);
    expect(res.statusCode).toBe(200);
    const body = res.json() as Body;
    expect(body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(body.results[1]).toMatchObject({ status: 'rejected', errors: [{ field: 'user_id', rule: 'wellFormed' }] });
    await e.rt.eventStore.flush();
    expect(await e.rt.eventStore.count()).toBe(2);
    const letter = e.rt.deadLetters.recent(1)[0];
    expect(letter).toMatchObject({ source: 'http', reason: 'invalid_field', errors: [{ field: 'user_id' }] });
    expect(res.statusCode).toBe(200);
  });

  it('a body of 100k nested arrays is a 400 body_too_deep, and the engine keeps serving', async () => {
    const e = await engine();
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    // Nested objects naming constructor: the JSON parser's prototype-poisoning scan walks them all.
    const objects = '{"constructor":{"b":1},"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    for (const payload of [deep, `{"events":${deep}}`, `[${JSON.stringify(view(1)).replace('}', `,"x":${deep}}`)}]`, `{"events":[${objects}]}`]) {
      const res = await e.post(payload);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'body_too_deep', message: expect.stringContaining(`deeper than ${LIMITS.jsonDepth}`), field: 'events' } });
    }
    // A prototype key deep inside is refused by the JSON parser itself: a 4xx too, never a 500.
    const poisoned = await e.post(`{"events":[${'{"a":'.repeat(20_000)}{"__proto__":{"x":1}}${'}'.repeat(20_000)}]}`);
    expect(poisoned.statusCode).toBe(400);
    expect(poisoned.json()).toMatchObject({ error: { code: 'json_invalid' } });
    const ok = await e.post(JSON.stringify([view(7)]));
    expect(ok.statusCode).toBe(200);
    expect((ok.json() as Body).accepted).toBe(1);
    expect((await e.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('an event nested as deep as allowed is rejected per event, with a bounded dead letter', async () => {
    const e = await engine();
    const nested = '['.repeat(LIMITS.jsonDepth - 1) + ']'.repeat(LIMITS.jsonDepth - 1);
    const res = await e.post(`[${nested},${JSON.stringify(view(1))}]`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: 1, rejected: 1 });
    expect(e.rt.deadLetters.recent(1)[0]?.reason).toBe('not_an_object');
  });

  it('far-future and far-past ts are rejected naming ts; replays of old logs pass', async () => {
    const e = await engine();
    const events = [view(1, { ts: NOW + 2 * DAY }), view(2, { ts: 8_640_000_000_000_000 }), view(3, { ts: 1000 }), view(4, { ts: Date.UTC(2001, 0, 1) }), view(5)];
    const body = (await e.post(JSON.stringify(events))).json() as Body;
    expect(body).toMatchObject({ accepted: 2, rejected: 3 });
    expect(body.results.map((r) => r.errors?.[0]?.rule ?? r.status)).toEqual(['maximum', 'maximum', 'minimum', 'accepted', 'accepted']);
    expect(body.results.slice(0, 3).map((r) => r.errors?.[0]?.field)).toEqual(['ts', 'ts', 'ts']);
  });

  it('the window is configurable (ingest.maxAheadMs, ingest.earliestTs)', async () => {
    const e = await engine({ ingest: { maxAheadMs: 0, earliestTs: 0 } });
    const body = (await e.post(JSON.stringify([view(1, { ts: NOW + 60_000 }), view(2, { ts: 1000 })]))).json() as Body;
    expect(body.results.map((r) => r.status)).toEqual(['rejected', 'accepted']);
  });
});
