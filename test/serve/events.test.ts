import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/ingest/index.ts';
import { build } from '../support/build.ts';

const click = (i: number, extra: Record<string, unknown> = {}) => ({
  id: `e-${i}`,
  type: 'click',
  market: 'DE',
  locale: 'de-DE',
  user_id: 'u1',
  item_id: 'sku-1',
  ts: 1_700_000_000_000 + i,
  ...extra,
});

const post = async (payload: unknown, headers: Record<string, string> = {}) => {
  const b = await build();
  const res = await b.app.inject({
    method: 'POST',
    url: '/v1/events',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { ...b, res, body: res.json() as Record<string, unknown> };
};

describe('POST /v1/events', () => {
  it('hands a bare array to the engine as raw http input and counts the results', async () => {
    const events = [click(1), click(2, { dup: true }), click(3)];
    const { res, body, engine } = await post(events);
    expect(res.statusCode).toBe(200);
    expect(engine.calls).toEqual([{ method: 'ingest', raw: events, source: 'http' }]);
    expect(body).toEqual({
      accepted: 2,
      duplicates: 1,
      rejected: 0,
      results: [
        { index: 0, id: 'e-1', status: 'accepted' },
        { index: 1, id: 'e-2', status: 'duplicate' },
        { index: 2, id: 'e-3', status: 'accepted' },
      ],
    });
  });

  it('accepts {"events": [...]}', async () => {
    const { res, body, engine } = await post({ events: [click(1)] });
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ accepted: 1, rejected: 0 });
    expect(engine.calls[0]).toMatchObject({ method: 'ingest', raw: [click(1)] });
  });

  it('reports a rejected event per event without failing the batch', async () => {
    const { res, body } = await post([click(1), click(2, { bad: true }), 'not an event', click(4)]);
    expect(res.statusCode).toBe(200);
    expect(body).toEqual({
      accepted: 3,
      duplicates: 0,
      rejected: 1,
      results: [
        { index: 0, id: 'e-1', status: 'accepted' },
        {
          index: 1,
          id: 'e-2',
          status: 'rejected',
          reason: 'invalid_field',
          errors: [{ field: 'bad', rule: 'additionalProperties', message: 'bad: Unexpected property' }],
        },
        { index: 2, status: 'accepted' },
        { index: 3, id: 'e-4', status: 'accepted' },
      ],
    });
  });

  it('passes events the route schema would reject straight to the engine', async () => {
    const odd = [{ type: 'nope' }, 42, null, { id: 'x', type: 'click', market: 'de' }];
    const { res, engine } = await post(odd);
    expect(res.statusCode).toBe(200);
    expect(engine.calls[0]).toMatchObject({ method: 'ingest', raw: odd });
  });

  it('an empty batch is fine and does not call the engine', async () => {
    const { res, body, engine } = await post([]);
    expect(res.statusCode).toBe(200);
    expect(body).toEqual({ accepted: 0, duplicates: 0, rejected: 0, results: [] });
    expect(engine.calls).toEqual([]);
  });

  it(`accepts exactly ${LIMITS.batchEvents} events`, async () => {
    const { res, body } = await post(Array.from({ length: LIMITS.batchEvents }, (_, i) => click(i)));
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ accepted: LIMITS.batchEvents });
  });

  it(`answers 413 batch_too_large for ${LIMITS.batchEvents + 1} events`, async () => {
    const { res, body, engine } = await post(Array.from({ length: LIMITS.batchEvents + 1 }, (_, i) => click(i)));
    expect(res.statusCode).toBe(413);
    expect(body).toMatchObject({ error: { code: 'batch_too_large', field: 'events' } });
    expect(engine.calls).toEqual([]);
  });

  it('counts {"events": [...]} against the batch limit too', async () => {
    const { res, body } = await post({ events: Array.from({ length: LIMITS.batchEvents + 1 }, (_, i) => click(i)) });
    expect(res.statusCode).toBe(413);
    expect(body).toMatchObject({ error: { code: 'batch_too_large' } });
  });

  it('answers 413 body_too_large for a 2 MB body', async () => {
    const big = JSON.stringify([click(1, { pad: 'x'.repeat(2 * 1024 * 1024) })]);
    const { res, body, engine } = await post(big);
    expect(res.statusCode).toBe(413);
    expect(body).toMatchObject({ error: { code: 'body_too_large' } });
    expect(engine.calls).toEqual([]);
  });

  it('applies a configured body limit', async () => {
    const b = await build({ limits: { ...LIMITS, bodyBytes: 1024 } });
    const res = await b.app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([click(1, { pad: 'x'.repeat(2000) })]),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it.each([
    ['truncated JSON', '[{"id": "e-1",'],
    ['not JSON at all', 'hello'],
    ['an empty body', ''],
    ['a prototype-poisoning body', '[{"__proto__": {"x": 1}}]'],
  ])('answers 400 json_invalid for %s', async (_name, payload) => {
    const { res, body, engine } = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(body).toMatchObject({ error: { code: 'json_invalid' } });
    expect(engine.calls).toEqual([]);
  });

  it.each([
    ['an object without events', { foo: 1 }],
    ['events that is not an array', { events: 'x' }],
    ['a number', 42],
    ['null', null],
  ])('answers 400 body_invalid for %s', async (_name, payload) => {
    const { res, body, engine } = await post(payload);
    expect(res.statusCode).toBe(400);
    expect(body).toEqual({
      error: { code: 'body_invalid', message: 'events: expected a JSON array of events or {"events": [...]}', field: 'events' },
    });
    expect(engine.calls).toEqual([]);
  });

  it('answers 415 media_type_unsupported for a non-JSON content type', async () => {
    const { res, body } = await post('[]', { 'content-type': 'text/csv' });
    expect(res.statusCode).toBe(415);
    expect(body).toMatchObject({ error: { code: 'media_type_unsupported' } });
  });
});
