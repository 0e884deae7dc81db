import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, replayLog, startEngine } from '../support/engine-harness.ts';

/**
 * Golden replay: a small recorded storefront log goes in through the API, and the recommendations
 * that come out are the recorded ones. Two fresh engines given the same log answer identically.
 * After an intended change of ranking, regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
const LOG = fileURLToPath(new URL('../fixtures/storefront-small.ndjson', import.meta.url));
const EXPECTED = fileURLToPath(new URL('../fixtures/storefront-small.expected.json', import.meta.url));

const QUERIES = [
  '/v1/recommendations?user=user-00001&market=DE&locale=de-DE&k=8',
  '/v1/recommendations?user=user-00002&market=GB&k=8',
  '/v1/recommendations?user=user-00004&market=US&k=8&exclude=',
  '/v1/recommendations?user=user-00006&market=DE&k=5&category=coffee',
  '/v1/recommendations?user=nobody&market=JP&locale=ja-JP&k=5',
  '/v1/items/sku-000001/similar?market=DE&k=5',
  '/v1/items/sku-000002/bought-together?market=US&k=5',
  '/v1/trending?market=FR&locale=fr-FR&k=6',
  '/v1/search?q=tea&market=US&k=5',
  '/v1/search?q=kaffee&market=DE&user=user-00001&k=5',
];

async function answers(): Promise<Record<string, unknown>> {
  const env = await startEngine();
  try {
    expect(await replayLog(env.app, LOG)).toBe(860);
    const out: Record<string, unknown> = {};
    for (const q of QUERIES) out[q] = await getJson(env.app, q);
    return out;
  } finally {
    await env.close();
  }
}

describe('golden replay of a recorded storefront log', () => {
  let first: Record<string, unknown>;
  let second: Record<string, unknown>;
  beforeAll(async () => {
    first = await answers();
    second = await answers();
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(EXPECTED)) {
      if (process.env.CI === 'true') throw new Error(`${EXPECTED} is missing; run UPDATE_GOLDEN=1 npx vitest run test/e2e/golden.test.ts`);
      writeFileSync(EXPECTED, JSON.stringify(first, null, 2) + '\n');
    }
  });
  afterAll(() => undefined);

  it('two fresh engines fed the same log give identical answers', () => {
    expect(second).toEqual(first);
  });

  it('the answers are the recorded ones', () => {
    const expected = JSON.parse(readFileSync(EXPECTED, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(expected)).toEqual(QUERIES);
    for (const q of QUERIES) expect(first[q], q).toEqual(expected[q]);
  });

  it('every answer is non-empty and only holds items of its market', () => {
    for (const q of QUERIES) {
      const body = first[q] as { items: { price: { currency: string } }[] };
      expect(body.items.length, q).toBeGreaterThan(0);
      const market = /market=([A-Z]{2})/.exec(q)?.[1];
      const currency = { DE: 'EUR', FR: 'EUR', GB: 'GBP', US: 'USD', JP: 'JPY' }[market as 'DE'];
      for (const i of body.items) expect(i.price.currency, q).toBe(currency);
    }
  });
});
