import { describe, expect, it } from 'vitest';
import { MeridianError, notFound, unavailable } from '../../src/core/index.ts';
import { build } from '../support/build.ts';

describe('error responses', () => {
  it('an unknown route is 404 not_found', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/v1/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'route_not_found', message: 'no route for GET /v1/nope' } });
  });

  it('a wrong method is 404 not_found', async () => {
    const { app } = await build();
    const res = await app.inject({ method: 'DELETE', url: '/v1/trending?market=US' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'route_not_found' } });
  });

  it('a MeridianError keeps its status, code and field', async () => {
    const b = await build();
    b.engine.failWith = new MeridianError('parameter_invalid', 'market: not served', { statusCode: 422, field: 'market' });
    const res = await b.app.inject({ url: '/v1/trending?market=ZZ' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ error: { code: 'parameter_invalid', message: 'market: not served', field: 'market' } });
  });

  it('a missing item is the engine\'s 404', async () => {
    const b = await build();
    b.engine.failWith = notFound('item_not_found', 'no item sku-404');
    const res = await b.app.inject({ url: '/v1/items/sku-404/similar?market=US' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'item_not_found', message: 'no item sku-404' } });
  });

  it('a retriable unavailable error is 503 with retry-after', async () => {
    const b = await build();
    b.engine.failWith = unavailable('feature_store_unavailable', 'feature store unavailable', new Error('ECONNREFUSED 10.0.0.7:6379'));
    const res = await b.app.inject({ url: '/v1/recommendations?market=US&user=u1' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toEqual({
      error: { code: 'feature_store_unavailable', message: 'the feature store cannot be reached', requestId: res.headers['x-request-id'] },
    });
    expect(res.body).not.toContain('ECONNREFUSED');
  });

  it('a 503 from an adapter keeps its code but not its text; the text is in the log', async () => {
    const b = await build();
    b.engine.failWith = unavailable('event_store_unavailable', 'chdb: cannot open /var/lib/meridian/events/store.lock: EACCES');
    const res = await b.app.inject({ url: '/v1/trending?market=US', headers: { 'x-request-id': 'req-503' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: 'event_store_unavailable', message: 'the event store cannot be reached', requestId: 'req-503' } });
    expect(res.body).not.toMatch(/var\/lib|store\.lock|EACCES|chdb/);
    const logged = b.logs.find((l) => l.level === 'error');
    expect(logged?.fields).toMatchObject({ reqId: 'req-503', code: 'event_store_unavailable' });
    expect(String((logged?.fields?.err as Error).message)).toContain('/var/lib/meridian/events/store.lock');
  });

  it('a 500 MeridianError from an adapter says only its code, a fixed message and the request id', async () => {
    const b = await build();
    b.engine.failWith = new MeridianError('feature_store_failed', 'redis EVALSHA: ERR Error running script @user_script:12 /opt/meridian/scripts.lua');
    const res = await b.app.inject({ url: '/v1/items/sku-1/similar?market=US', headers: { 'x-request-id': 'req-500' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'feature_store_failed', message: 'the feature store answered with an error', requestId: 'req-500' } });
    expect(res.body).not.toMatch(/opt|scripts\.lua|EVALSHA|user_script/);
    const logged = b.logs.find((l) => l.level === 'error');
    expect(String((logged?.fields?.err as Error).message)).toContain('/opt/meridian/scripts.lua');
  });

  it('an unexpected engine error is a 500 without internals, logged with the request id', async () => {
    const b = await build();
    b.engine.failWith = new TypeError("Cannot read properties of undefined (reading 'vector') at /srv/engine.ts:42");
    const res = await b.app.inject({ url: '/v1/search?q=shoe&market=US', headers: { 'x-request-id': 'req-abc.1' } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal_error', message: 'internal error', requestId: 'req-abc.1' } });
    expect(res.body).not.toMatch(/vector|engine\.ts|TypeError|stack/);
    expect(res.headers['x-request-id']).toBe('req-abc.1');
    const logged = b.logs.find((l) => l.level === 'error');
    expect(logged?.fields).toMatchObject({ reqId: 'req-abc.1', route: '/v1/search' });
  });

  it('an unexpected ingest error is a 500 without internals', async () => {
    const b = await build();
    b.engine.ingest = async () => {
      throw new Error('kafka broker 3 said no');
    };
    const res = await b.app.inject({ method: 'POST', url: '/v1/events', payload: [{ id: 'e' }] });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('kafka');
  });

  it('a plain error that claims a 4xx status is still a 500 without internals', async () => {
    const b = await build();
    b.engine.failWith = Object.assign(new Error('SELECT * FROM secrets failed'), { statusCode: 400, code: 'ER_PARSE' });
    const res = await b.app.inject({ url: '/v1/trending?market=US' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal_error', message: 'internal error', requestId: res.headers['x-request-id'] } });
  });

  it('replaces a request id that is too long or odd', async () => {
    const { app } = await build();
    const res = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b<script>' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('no bad input is a 500', () => {
  const urls = [
    '/v1/recommendations',
    '/v1/recommendations?market=',
    '/v1/recommendations?market=US&k=',
    '/v1/recommendations?market=US&k=-5',
    '/v1/recommendations?market=US&k=1e9',
    '/v1/recommendations?market=US&k=NaN',
    '/v1/recommendations?market=US&k=1&k=2',
    '/v1/recommendations?market=US&market=DE',
    '/v1/recommendations?market=US&price_min=abc',
    '/v1/recommendations?market=US&price_max=Infinity',
    '/v1/recommendations?market=US&exclude=seen&exclude=purchased',
    '/v1/recommendations?market=US&exclude=,,',
    '/v1/recommendations?market=US&user=',
    `/v1/recommendations?market=US&user=${'u'.repeat(129)}`,
    '/v1/recommendations?market=US&tenant=',
    '/v1/recommendations?market[x]=US',
    '/v1/recommendations?%ZZ=1&market=US',
    '/v1/search?market=US&q=%00',
    '/v1/search?market=US&q=a&q=b',
    '/v1/search?market=US&q=%F0%9F',
    '/v1/trending?market=US&category=',
    `/v1/trending?market=US&category=${'c'.repeat(200)}`,
    '/v1/items/%20/similar?market=US',
    '/v1/items//similar?market=US',
    '/v1/items/a/bought-together?market=US&locale=xx-',
  ];
  it.each(urls)('GET %s', async (url) => {
    const { app, engine } = await build();
    const res = await app.inject({ url });
    expect(res.statusCode, res.body).toBeLessThan(500);
    if (res.statusCode >= 400) expect(res.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(engine.calls.every((c) => c.method !== 'ingest')).toBe(true);
  });

  it.each([
    ['application/json', '{"events": [1, 2'],
    ['application/json', '{"events": null}'],
    ['application/json', '"just a string"'],
    ['application/json', 'true'],
    ['application/json; charset=latin1', '[]'],
    ['text/plain', 'hello'],
    ['application/x-www-form-urlencoded', 'a=1'],
  ])('POST /v1/events as %s: %s', async (type, payload) => {
    const { app } = await build();
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': type }, payload });
    expect(res.statusCode, res.body).toBeLessThan(500);
    if (res.statusCode >= 400) expect(res.json()).toMatchObject({ error: { code: expect.any(String) } });
  });
});
