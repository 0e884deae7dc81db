import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createKeyring, openRedisKeyStore, type Keyring } from '../../src/access/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { build } from '../support/build.ts';
import { uniquePrefix, waitFor } from '../support/helpers.ts';
import { expectTenantIsolation } from './auth-cases.ts';

const url = process.env.MERIDIAN_TEST_REDIS_URL ?? '';
if (url === '') {
  throw new Error('MERIDIAN_TEST_REDIS_URL is not set: run the tests with `npm test`, which starts the test services');
}

const prefixes: string[] = [];
const rings: Keyring[] = [];
afterAll(async () => {
  await Promise.all(rings.map((k) => k.close()));
  const admin = new Redis(url);
  for (const p of prefixes) await admin.del(`${p}:access:keys`);
  await admin.quit();
});

async function replica(keyPrefix: string): Promise<{ app: Awaited<ReturnType<typeof build>>['app']; keys: Keyring }> {
  const keys = createKeyring({ store: await openRedisKeyStore({ url, keyPrefix, logger: silentLogger }) });
  rings.push(keys);
  const { app } = await build({ auth: { mode: 'keys', keys } });
  return { app, keys };
}

describe('keys on Redis, two serving replicas', () => {
  it('a key of tenant A cannot read or write tenant B on any route', async () => {
    const p = uniquePrefix('keys');
    prefixes.push(p);
    const { app, keys } = await replica(p);
    await expectTenantIsolation(app, keys);
  });

  it('a key made on one replica works on the other at once; revoked there, it is refused within the cache time (≤ 1 s)', async () => {
    const p = uniquePrefix('keys');
    prefixes.push(p);
    const a = await replica(p);
    const b = await replica(p);
    const created = await a.app.inject({ method: 'POST', url: '/v1/admin/keys', headers: { 'x-api-key': (await a.keys.create({ tenant: '*', scopes: ['admin'] })).key }, payload: { tenant: 'shop-a', scopes: ['search'] } });
    const { key, id } = created.json() as { key: string; id: string };
    const get = (app: typeof a.app) => app.inject({ url: '/v1/trending?market=US', headers: { authorization: `Bearer ${key}` } });
    expect((await get(b.app)).statusCode).toBe(200);
    expect(await a.keys.revoke(id)).toBe(true);
    expect((await get(a.app)).statusCode).toBe(401);
    // Behaviour, not timing: the other replica refuses it once its cached read (500 ms by default) has lapsed.
    await waitFor(async () => (await get(b.app)).statusCode === 401, { timeoutMs: 5_000, what: 'the revocation on the other replica' });
  });
});
