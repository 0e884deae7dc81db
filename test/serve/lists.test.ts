import { describe, expect, it } from 'vitest';
import { build, LIST } from '../support/build.ts';

const get = async (url: string) => {
  const b = await build();
  const res = await b.app.inject({ method: 'GET', url });
  return { ...b, res, body: res.json() as Record<string, unknown> };
};

describe('GET /v1/recommendations', () => {
  it('passes the parsed query to the engine and returns its list', async () => {
    const { res, body, engine } = await get(
      '/v1/recommendations?user=u1&market=DE&locale=de-DE&k=5&category=shoes&price_min=10&price_max=99.5&exclude=seen&tenant=acme',
    );
    expect(res.statusCode).toBe(200);
    expect(body).toEqual(LIST);
    expect(engine.calls).toEqual([
      {
        method: 'recommend',
        q: {
          tenant: 'acme',
          market: 'DE',
          locale: 'de-DE',
          k: 5,
          category: 'shoes',
          priceMin: 10,
          priceMax: 99.5,
          user: 'u1',
          session: undefined,
          exclude: ['seen'],
        },
      },
    ]);
  });

  it('defaults k, exclude and tenant', async () => {
    const { res, engine } = await get('/v1/recommendations?session=s1&market=US');
    expect(res.statusCode).toBe(200);
    const call = engine.calls[0];
    expect(call?.method).toBe('recommend');
    expect(call).toMatchObject({ q: { k: 10, exclude: ['seen', 'purchased'], tenant: 'default', session: 's1', market: 'US' } });
  });

  it('uses the configured default tenant', async () => {
    const b = await build({ tenantDefault: 'shop-eu' });
    await b.app.inject({ url: '/v1/recommendations?market=FR' });
    expect(b.engine.calls[0]).toMatchObject({ q: { tenant: 'shop-eu' } });
  });

  it('an empty exclude excludes nothing', async () => {
    const { res, engine } = await get('/v1/recommendations?user=u1&market=US&exclude=');
    expect(res.statusCode).toBe(200);
    expect(engine.calls[0]).toMatchObject({ q: { exclude: [] } });
  });

  it.each([
    ['missing market', '/v1/recommendations?user=u1', 'market', 'market: is required'],
    ['lower-case market', '/v1/recommendations?market=de', 'market', undefined],
    ['three-letter market', '/v1/recommendations?market=DEU', 'market', undefined],
    ['k=0', '/v1/recommendations?market=DE&k=0', 'k', 'k: must be >= 1'],
    ['k=101', '/v1/recommendations?market=DE&k=101', 'k', 'k: must be <= 100'],
    ['k=abc', '/v1/recommendations?market=DE&k=abc', 'k', 'k: must be integer'],
    ['k=1.5', '/v1/recommendations?market=DE&k=1.5', 'k', undefined],
    ['price_min > price_max', '/v1/recommendations?market=DE&price_min=50&price_max=10', 'price_min', 'price_min: must be <= price_max'],
    ['negative price', '/v1/recommendations?market=DE&price_min=-1', 'price_min', undefined],
    ['unknown exclude', '/v1/recommendations?market=DE&exclude=seen,clicked', 'exclude', undefined],
    ['bad locale', '/v1/recommendations?market=DE&locale=german', 'locale', undefined],
    ['bad tenant', '/v1/recommendations?market=DE&tenant=ACME!', 'tenant', undefined],
    ['user with a space', '/v1/recommendations?market=DE&user=a%20b', 'user', undefined],
  ])('%s → 400 parameter_invalid naming the field', async (_name, url, field, message) => {
    const { res, body, engine } = await get(url);
    expect(res.statusCode).toBe(400);
    expect(body).toMatchObject({ error: { code: 'parameter_invalid', field } });
    const error = body.error as { message: string };
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    if (message !== undefined) expect(error.message).toBe(message);
    expect(engine.calls).toEqual([]);
  });
});

describe('item lists', () => {
  it('GET /v1/items/:id/similar', async () => {
    const { res, body, engine } = await get('/v1/items/sku-9/similar?market=JP&k=3&locale=ja-JP');
    expect(res.statusCode).toBe(200);
    expect(body).toEqual(LIST);
    expect(engine.calls).toEqual([
      {
        method: 'similar',
        itemId: 'sku-9',
        q: { tenant: 'default', market: 'JP', locale: 'ja-JP', k: 3, category: undefined, priceMin: undefined, priceMax: undefined },
      },
    ]);
  });

  it('GET /v1/items/:id/bought-together', async () => {
    const { res, engine } = await get('/v1/items/sku-9/bought-together?market=BR&category=shoes');
    expect(res.statusCode).toBe(200);
    expect(engine.calls[0]).toMatchObject({ method: 'boughtTogether', itemId: 'sku-9', q: { market: 'BR', category: 'shoes', k: 10 } });
  });

  it('decodes the item id', async () => {
    const { engine } = await get('/v1/items/sku%2F7/similar?market=US');
    expect(engine.calls[0]).toMatchObject({ itemId: 'sku/7' });
  });

  it('rejects an item id over the id limit, naming the field', async () => {
    const { res, body } = await get(`/v1/items/${'x'.repeat(129)}/similar?market=US`);
    expect(res.statusCode).toBe(400);
    expect(body).toMatchObject({ error: { code: 'parameter_invalid', field: 'id' } });
  });

  it('answers 414 uri_too_long for an id far beyond any limit', async () => {
    const { res, body } = await get(`/v1/items/${'x'.repeat(2000)}/similar?market=US`);
    expect(res.statusCode).toBe(414);
    expect(body).toMatchObject({ error: { code: 'uri_too_long' } });
  });

  it('answers 400 url_invalid for a broken percent-encoding', async () => {
    const { res, body } = await get('/v1/items/%E0%A4%A/similar?market=US');
    expect(res.statusCode).toBe(400);
    expect(body).toMatchObject({ error: { code: 'url_invalid' } });
  });

  it('GET /v1/trending', async () => {
    const { res, engine } = await get('/v1/trending?market=GB&category=outerwear&k=20&locale=en-GB');
    expect(res.statusCode).toBe(200);
    expect(engine.calls[0]).toMatchObject({ method: 'trending', q: { market: 'GB', category: 'outerwear', k: 20, locale: 'en-GB' } });
  });

  it.each(['/v1/trending', '/v1/items/a/similar', '/v1/items/a/bought-together'])('%s requires market', async (url) => {
    const { res, body } = await get(url);
    expect(res.statusCode).toBe(400);
    expect(body).toEqual({ error: { code: 'parameter_invalid', message: 'market: is required', field: 'market' } });
  });

  it('serializes only the schema fields', async () => {
    const b = await build();
    b.engine.search = async () => ({
      items: [{ ...LIST.items[0]!, secret: 'internal' } as (typeof LIST.items)[number]],
      model: 'v1',
    });
    const res = await b.app.inject({ url: '/v1/search?q=shoe&market=US' });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('internal');
    expect(res.json()).toEqual({ items: [LIST.items[0]], model: 'v1' });
  });
});

describe('GET /v1/search', () => {
  it('passes the query and the shopper', async () => {
    const { res, engine } = await get('/v1/search?q=%E9%9D%B4&market=JP&locale=ja-JP&user=u1&session=s1&k=7');
    expect(res.statusCode).toBe(200);
    expect(engine.calls[0]).toMatchObject({ method: 'search', q: { q: '靴', market: 'JP', locale: 'ja-JP', user: 'u1', session: 's1', k: 7 } });
  });

  it.each([
    ['missing q', '/v1/search?market=US'],
    ['empty q', '/v1/search?q=&market=US'],
    ['blank q', '/v1/search?q=%20%20&market=US'],
    ['q too long', `/v1/search?q=${'a'.repeat(257)}&market=US`],
  ])('%s → 400 naming q', async (_name, url) => {
    const { res, body, engine } = await get(url);
    expect(res.statusCode).toBe(400);
    expect(body).toMatchObject({ error: { code: 'parameter_invalid', field: 'q' } });
    expect(engine.calls).toEqual([]);
  });

  it('accepts q at the limit', async () => {
    const { res } = await get(`/v1/search?q=${'a'.repeat(256)}&market=US`);
    expect(res.statusCode).toBe(200);
  });
});

describe('numeric filters out of range once coerced', () => {
  it('refuses k, price_min and price_max that parse to Infinity, naming the parameter', async () => {
    const { app } = await build();
    for (const [name, url] of [
      ['k', '/v1/trending?market=DE&k=1e400'],
      ['price_min', '/v1/search?market=DE&q=x&price_min=1e400'],
      ['price_max', '/v1/items/sku-1/similar?market=DE&price_max=Infinity'],
    ] as const) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'parameter_invalid', field: name } });
    }
  });
});
