import { describe, expect, it } from 'vitest';
import { createMemoryRateStore, type RateStore } from '../../src/serve/index.ts';
import { ask, limitedApp, manualClock } from '../support/limited-app.ts';

const perKey = { ratePerSecond: 2, burst: 3 };
const perTenant = { ratePerSecond: 100, burst: 100 };

describe('rate limits (in process)', () => {
  it('a burst past a key\'s rate gets 429 rate_limited with Retry-After; another key is unaffected', async () => {
    const clock = manualClock();
    const { app } = await limitedApp({ perKey, perTenant, now: clock.now });
    for (let i = 0; i < 3; i++) expect((await ask(app, 'k1')).statusCode).toBe(200);
    const refused = await ask(app, 'k1');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/API key's rate limit \(2 requests\/s, burst 3\)/) } });
    expect((await ask(app, 'k2')).statusCode).toBe(200);
    // A token refills every 500 ms: one request passes, the next waits again.
    clock.advance(500);
    expect((await ask(app, 'k1')).statusCode).toBe(200);
    expect((await ask(app, 'k1')).statusCode).toBe(429);
  });

  it('Retry-After is the whole seconds until a token is back, at least 1', async () => {
    const clock = manualClock();
    const { app } = await limitedApp({ perKey: { ratePerSecond: 0.1, burst: 1 }, perTenant, now: clock.now });
    expect((await ask(app, 'slow')).statusCode).toBe(200);
    expect((await ask(app, 'slow')).headers['retry-after']).toBe('10');
    clock.advance(9_500);
    expect((await ask(app, 'slow')).headers['retry-after']).toBe('1');
    clock.advance(500);
    expect((await ask(app, 'slow')).statusCode).toBe(200);
  });

  it('the keys of one tenant share its bucket; other tenants are unaffected; a refused request takes no token', async () => {
    const clock = manualClock();
    const { app } = await limitedApp({ perKey: { ratePerSecond: 100, burst: 100 }, perTenant: { ratePerSecond: 1, burst: 4 }, now: clock.now });
    for (const key of ['a1', 'a2', 'a3', 'a4']) expect((await ask(app, key, 'acme')).statusCode).toBe(200);
    const refused = await ask(app, 'a5', 'acme');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/^the tenant's rate limit/) } });
    expect((await ask(app, 'b1', 'globex')).statusCode).toBe(200);
    clock.advance(1_000);
    expect((await ask(app, 'a5', 'acme')).statusCode).toBe(200);
  });

  it('an operator key (tenant *) has only its key bucket', async () => {
    const clock = manualClock();
    const { app } = await limitedApp({ perKey, perTenant: { ratePerSecond: 1, burst: 1 }, now: clock.now });
    for (let i = 0; i < 3; i++) expect((await ask(app, 'op', '*')).statusCode).toBe(200);
    expect((await ask(app, 'op', '*')).statusCode).toBe(429);
  });

  it('without a key the client address is limited; health probes never are', async () => {
    const clock = manualClock();
    const { app } = await limitedApp({ perKey, perTenant, now: clock.now }, 'off');
    for (let i = 0; i < 3; i++) expect((await ask(app)).statusCode).toBe(200);
    const refused = await ask(app);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ error: { message: expect.stringMatching(/^the client address's rate limit/) } });
    expect((await app.inject({ url: '/v1/trending?market=US', remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
  });

  it('a store that fails lets requests through, and says so once', async () => {
    const failing: RateStore = {
      take: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')),
    };
    const { app, logs } = await limitedApp({ perKey: { ratePerSecond: 1, burst: 1 }, perTenant, store: failing });
    for (let i = 0; i < 5; i++) expect((await ask(app, 'k')).statusCode).toBe(200);
    expect(logs.filter((l) => l.level === 'warn' && /rate limits/.test(l.msg))).toHaveLength(1);
  });

  it('keeps a bounded number of buckets', async () => {
    const store = createMemoryRateStore({ maxBuckets: 100 });
    const now = 1_000_000;
    for (let i = 0; i < 10_000; i++) expect(store.take(now, `k${i}`, 1000, 1000)).toBeUndefined();
    // The bucket of a recent key is still spent; the oldest were forgotten (they start full).
    expect(store.take(now, 'k9999', 1000, 1000)).toMatchObject({ bucket: 0 });
    expect(store.take(now, 'k0', 1000, 1000)).toBeUndefined();
  });

  it('refuses bad limits at start', async () => {
    await expect(limitedApp({ perKey: { ratePerSecond: 0, burst: 1 }, perTenant })).rejects.toMatchObject({ code: 'option_invalid' });
    await expect(limitedApp({ perKey, perTenant: { ratePerSecond: 1, burst: 0.5 } })).rejects.toMatchObject({ code: 'option_invalid' });
  });
});
