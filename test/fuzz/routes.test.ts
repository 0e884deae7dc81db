import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/index.ts';
import { startEngine } from '../support/engine-harness.ts';
import { VALID } from '../support/samples.ts';
import { hostileValue, rawQueryValue } from './arbitraries.ts';

/** Every GET route with its parameters; an item route's `:id` is fuzzed as well. */
const ROUTES = [
  { path: '/v1/recommendations', params: ['tenant', 'market', 'locale', 'k', 'category', 'price_min', 'price_max', 'user', 'session', 'exclude'] },
  { path: '/v1/items/{id}/similar', params: ['tenant', 'market', 'locale', 'k', 'category', 'price_min', 'price_max'] },
  { path: '/v1/items/{id}/bought-together', params: ['tenant', 'market', 'locale', 'k', 'category', 'price_min', 'price_max'] },
  { path: '/v1/trending', params: ['tenant', 'market', 'locale', 'k', 'category', 'price_min', 'price_max'] },
  { path: '/v1/search', params: ['tenant', 'market', 'locale', 'k', 'q', 'user', 'session', 'category'] },
];

const SENSIBLE: Record<string, string> = { market: 'DE', locale: 'de-DE', k: '5', q: 'shoe', user: 'u1', tenant: 'default' };

/** A request to one route: each parameter sensible, hostile or absent; an extra unknown one at times. */
const request = fc.constantFrom(...ROUTES).chain((route) =>
  fc
    .record({
      id: rawQueryValue,
      values: fc.tuple(...route.params.map(() => fc.oneof(fc.constant(undefined), fc.constant('sensible'), rawQueryValue))),
      extra: fc.option(fc.tuple(fc.constantFrom('foo', 'k[]', '__proto__', 'market'), rawQueryValue), { nil: undefined }),
    })
    .map(({ id, values, extra }) => {
      const parts: string[] = [];
      route.params.forEach((p, i) => {
        const v = values[i];
        if (v === 'sensible') parts.push(`${p}=${encodeURIComponent(SENSIBLE[p] ?? 'x')}`);
        else if (v !== undefined) parts.push(`${p}=${v}`);
      });
      if (extra !== undefined) parts.push(`${extra[0]}=${extra[1]}`);
      return `${route.path.replace('{id}', id === '' ? 'sku-1' : id)}?${parts.join('&')}`;
    }),
);

/** Codes about the request as a whole (its URL or body framing), where no single field is at fault. */
const WHOLE_REQUEST = new Set(['url_invalid', 'json_invalid', 'body_invalid', 'content_length_invalid', 'media_type_unsupported', 'body_too_large']);

function expectClientAnswer(status: number, body: string, what: string): void {
  expect(status, `${what} → ${status} ${body.slice(0, 300)}`).toBeLessThan(500);
  if (status < 400) return;
  const parsed = JSON.parse(body) as { error?: { code?: string; message?: string; field?: string } };
  expect(Object.keys(ERROR_CODES), what).toContain(parsed.error?.code);
  expect(parsed.error?.message, what).toBeTruthy();
  if (status === 400 && !WHOLE_REQUEST.has(parsed.error?.code ?? '')) expect(parsed.error?.field, `${what}: ${body}`).toBeTruthy();
}

describe('every route under hostile input', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ app, close } = await startEngine());
    const seed = await app.inject({ method: 'POST', url: '/v1/events', payload: [VALID.item_upsert, VALID.view, VALID.purchase] });
    expect(seed.statusCode).toBe(200);
  });
  afterAll(async () => close());

  it('answers every GET with a 2xx or a 4xx with a stable code naming the field, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (url) => {
        const res = await app.inject({ method: 'GET', url });
        expectClientAnswer(res.statusCode, res.body, `GET ${url}`);
      }),
      { numRuns: 600 },
    );
  });

  it('answers every event batch with a 2xx or a 4xx, and keeps every good event of a batch', async () => {
    const batch = fc.array(
      fc.oneof(
        fc.constantFrom(...Object.values(VALID)).chain((e) =>
          fc.tuple(fc.constantFrom(...Object.keys(e), 'tenant', 'x'), hostileValue).map(([k, v]) => ({ ...e, [k]: v })),
        ),
        hostileValue,
      ),
      { minLength: 1, maxLength: 20 },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(batch, async (events) => {
        const good = { ...VALID.view, id: `fuzz-good-${n++}` };
        const res = await app.inject({ method: 'POST', url: '/v1/events', payload: JSON.stringify([...events, good]), headers: { 'content-type': 'application/json' } });
        expectClientAnswer(res.statusCode, res.body, `POST ${JSON.stringify(events).slice(0, 200)}`);
        if (res.statusCode === 200) {
          const { results } = res.json() as { results: { id?: string; status: string }[] };
          expect(results.at(-1)).toMatchObject({ id: good.id, status: 'accepted' });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers bodies that are not event batches with a 4xx: deep nesting, wrong types, broken JSON', async () => {
    const bodies = ['['.repeat(100_000) + ']'.repeat(100_000), '['.repeat(50_000), '{"a":', '', 'null', '"x"', '[1,2,3]', JSON.stringify({ events: [] }), '\ud800'];
    for (const payload of bodies) {
      const res = await app.inject({ method: 'POST', url: '/v1/events', payload, headers: { 'content-type': 'application/json' } });
      expectClientAnswer(res.statusCode, res.body, `POST ${payload.slice(0, 40)}`);
    }
  });

  it('is healthy and serving afterwards', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/trending?market=DE' })).statusCode).toBe(200);
  });
});
