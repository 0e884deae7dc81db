import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createKeyring, openKeyStore, openRedisKeyStore, type KeyStore } from '../../src/access/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { keyStoreContract } from '../contracts/key-store.contract.ts';
import { uniquePrefix } from '../support/helpers.ts';

const url = process.env.MERIDIAN_TEST_REDIS_URL ?? '';
if (url === '') {
  throw new Error('MERIDIAN_TEST_REDIS_URL is not set: run the tests with `npm test`, which starts the test services');
}

const prefixes: string[] = [];
const opened: KeyStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  const admin = new Redis(url);
  for (const p of prefixes) await admin.del(`${p}:access:keys`);
  await admin.quit();
});

async function open(keyPrefix: string, opts: { cacheMs?: number; now?: () => number } = {}): Promise<KeyStore> {
  const s = await openRedisKeyStore({ url, keyPrefix, logger: silentLogger, ...opts });
  opened.push(s);
  return s;
}

function prefix(): string {
  const p = uniquePrefix('keys');
  prefixes.push(p);
  return p;
}

describe('Redis key store', () => {
  keyStoreContract(() => open(prefix()));

  it('a key revoked on one replica is refused on another once its cache time (at most 1 s) has passed', async () => {
    const p = prefix();
    let t = Date.now();
    const replicaA = createKeyring({ store: await open(p) });
    const replicaB = createKeyring({ store: await open(p, { cacheMs: 1_000, now: () => t }), now: () => t });
    const { key, info } = await replicaA.create({ tenant: 'shop-a', scopes: ['search'] });
    // A new key works on the other replica at once (unknown ids are never cached).
    expect(await replicaB.authenticate(key)).toMatchObject({ tenant: 'shop-a' });
    expect(await replicaA.revoke(info.id)).toBe(true);
    expect(await replicaA.authenticate(key)).toBeUndefined();
    t += 1_000;
    expect(await replicaB.authenticate(key)).toBeUndefined();
  });

  it('with cacheMs 0 every replica refuses a revoked key at once', async () => {
    const p = prefix();
    const a = createKeyring({ store: await open(p, { cacheMs: 0 }) });
    const b = createKeyring({ store: await open(p, { cacheMs: 0 }) });
    const { key, info } = await a.create({ tenant: 'shop-a', scopes: ['search'] });
    expect(await b.authenticate(key)).toBeDefined();
    await a.revoke(info.id);
    expect(await b.authenticate(key)).toBeUndefined();
  });

  it('is the one the feature store URL implies, and refuses a cache time over 1 s', async () => {
    const store = await openKeyStore(url, { logger: silentLogger });
    opened.push(store);
    expect(store.kind).toBe('redis');
    await expect(openRedisKeyStore({ url, logger: silentLogger, cacheMs: 1_001 })).rejects.toMatchObject({ code: 'option_invalid' });
  });

  it('answers key_store_unavailable when Redis cannot be reached', async () => {
    await expect(openRedisKeyStore({ url: 'redis://127.0.0.1:1', logger: silentLogger })).rejects.toMatchObject({ code: 'key_store_unavailable' });
  });
});
