import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.ts';
import { openRedisRateStore, type RedisRateStore } from '../../src/serve/index.ts';
import { uniquePrefix } from '../support/helpers.ts';
import { ask, limitedApp, manualClock } from '../support/limited-app.ts';

const url = process.env.MERIDIAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const perKey = { ratePerSecond: 2, burst: 3 };
const perTenant = { ratePerSecond: 100, burst: 100 };

describe('rate limits shared through Redis', () => {
  const stores: RedisRateStore[] = [];
  let redis: Redis;
  const open = async (keyPrefix: string, target = url) => {
    const s = await openRedisRateStore({ url: target, keyPrefix, logger: silentLogger });
    stores.push(s);
    return s;
  };
  beforeAll(() => {
    redis = new Redis(url);
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    redis.disconnect();
  });

  it('two apps on one Redis share a key\'s budget; another key is unaffected', async () => {
    const prefix = uniquePrefix('rl');
    const clock = manualClock();
    const one = await limitedApp({ perKey, perTenant, now: clock.now, store: await open(prefix) });
    const two = await limitedApp({ perKey, perTenant, now: clock.now, store: await open(prefix) });
    expect((await ask(one.app, 'k1')).statusCode).toBe(200);
    expect((await ask(two.app, 'k1')).statusCode).toBe(200);
    expect((await ask(one.app, 'k1')).statusCode).toBe(200);
    const refused = await ask(two.app, 'k1');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await ask(one.app, 'k1')).statusCode).toBe(429);
    expect((await ask(two.app, 'k2')).statusCode).toBe(200);
    clock.advance(500);
    expect((await ask(two.app, 'k1')).statusCode).toBe(200);
    expect((await ask(one.app, 'k1')).statusCode).toBe(429);
  });

  it('takes the key and tenant tokens together: a refused request spends neither', async () => {
    const prefix = uniquePrefix('rl');
    const clock = manualClock();
    const store = await open(prefix);
    const { app } = await limitedApp({ perKey: { ratePerSecond: 1, burst: 1 }, perTenant: { ratePerSecond: 1, burst: 2 }, now: clock.now, store });
    expect((await ask(app, 'hot', 'acme')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await ask(app, 'hot', 'acme')).statusCode).toBe(429);
    // The tenant still has its second token for another key.
    expect((await ask(app, 'cold', 'acme')).statusCode).toBe(200);
    const refused = await ask(app, 'third', 'acme');
    expect(refused.json()).toMatchObject({ error: { message: expect.stringMatching(/^the tenant's rate limit/) } });
  });

  it('a bucket is one key that expires when the bucket is full again', async () => {
    const prefix = uniquePrefix('rl');
    // Slow refills (one token in 100 s, in 10 s), so neither bucket is full again, and gone,
    // before the keys are listed however loaded the machine is.
    const slowKey = { ratePerSecond: 0.01, burst: 3 };
    const slowTenant = { ratePerSecond: 0.1, burst: 100 };
    const { app } = await limitedApp({ perKey: slowKey, perTenant: slowTenant, store: await open(prefix) });
    expect((await ask(app, 'k1', 'acme')).statusCode).toBe(200);
    const keys = (await redis.keys(`${prefix}:rl:*`)).sort();
    expect(keys).toEqual([`${prefix}:rl:{acme}:key:k1`, `${prefix}:rl:{acme}:tenant`]);
    const ttl = await redis.pttl(`${prefix}:rl:{acme}:key:k1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100_000);
    const tenantTtl = await redis.pttl(`${prefix}:rl:{acme}:tenant`);
    expect(tenantTtl).toBeGreaterThan(0);
    expect(tenantTtl).toBeLessThanOrEqual(10_000);
  });

  it('with Redis unreachable, requests pass (fail open) and the outage is logged', async () => {
    // Nothing listens on port 1: a refused connection, as when Redis is down.
    const store = await open(uniquePrefix('rl'), 'redis://127.0.0.1:1');
    const { app, logs } = await limitedApp({ perKey: { ratePerSecond: 1, burst: 1 }, perTenant, store });
    for (let i = 0; i < 5; i++) expect((await ask(app, 'k1')).statusCode).toBe(200);
    expect(logs.some((l) => l.level === 'warn' && /rate limits/.test(l.msg))).toBe(true);
  });
});
