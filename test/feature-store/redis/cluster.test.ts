import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger } from '../../../src/core/index.ts';
import { openRedisFeatureStore, type FeatureStore } from '../../../src/feature-store/index.ts';
import { type EventUpdates, type Update } from '../../../src/features/index.ts';
import { openFeatureStore } from '../../../src/feature-store/open.ts';
// The cluster encoding and the script, to apply one slot group of an event on its own.
import { encodeClusterEvent, groupMarker, keySlot, parseClusterUrl } from '../../../src/feature-store/redis/cluster.ts';
import { newScriptCall, redisKeys } from '../../../src/feature-store/redis/encode.ts';
import { APPLY_SCRIPT } from '../../../src/feature-store/redis/scripts.ts';
import { catalogItem, featureStoreContract } from '../../contracts/feature-store.contract.ts';
import { freePort } from '../../support/private-services.ts';
import { tempDir, uniquePrefix, waitFor } from '../../support/helpers.ts';

/*
 * A private 3-primary Redis Cluster on free loopback ports, started here and stopped at the end
 * (the shared test Redis is a single node).
 */

const TENANT = 't1';
const procs: ChildProcess[] = [];
const ports: number[] = [];
let cleanupDir: (() => Promise<void>) | undefined;
let admin: Cluster;
const opened: FeatureStore[] = [];

const clusterUrl = (prefix: string): string => `redis+cluster://127.0.0.1:${ports[0]},127.0.0.1:${ports[1]}/?prefix=${prefix}`;

async function clusterOk(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.cluster('INFO')).includes('cluster_state:ok');
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

beforeAll(async () => {
  const { dir, cleanup } = await tempDir('meridian-cluster-');
  cleanupDir = cleanup;
  for (let i = 0; i < 3; i++) {
    const [port, bus] = [await freePort(), await freePort()];
    ports.push(port);
    const args = ['--port', String(port), '--cluster-port', String(bus), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
    procs.push(spawn('redis-server', args, { stdio: 'ignore' }));
  }
  for (const port of ports) {
    await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', { what: `redis-server on ${port}`, intervalMs: 100 });
  }
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  for (const port of ports) await waitFor(() => clusterOk(port), { what: `cluster_state:ok on ${port}`, timeoutMs: 30_000, intervalMs: 100 });
  admin = new Cluster([{ host: '127.0.0.1', port: ports[0] as number }]);
  await waitFor(() => admin.status === 'ready', { what: 'the admin cluster client' });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await admin?.quit().catch(() => admin.disconnect());
  await Promise.all(
    procs.map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = once(p, 'exit');
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }),
  );
  await cleanupDir?.();
});

featureStoreContract('redis cluster', async () =>
  openRedisFeatureStore({ url: clusterUrl(uniquePrefix('fs')), tenant: TENANT, logger: silentLogger, instrumentation: createInstrumentation() }),
);

async function open(prefix = uniquePrefix('fs')): Promise<FeatureStore> {
  const store = await openRedisFeatureStore({ url: clusterUrl(prefix), tenant: TENANT, logger: silentLogger, instrumentation: createInstrumentation() });
  opened.push(store);
  return store;
}

const push = (user: string, item: string, ts: number): Update => ({ op: 'user.push', user, item, kind: 'view', ts, max: 10 });
const cooc = (a: string, b: string): Update => ({ op: 'item.cooc', rel: 'view', a, b, by: 1, max: 10 });
const trend = (market: string, item: string, ts: number): Update => ({ op: 'item.trend', market, item, weight: 1, ts, halfLifeMs: 3_600_000 });

/** The primary serving a key's slot, as host:port. */
function nodeOf(key: string): string {
  const nodes = admin.slots[keySlot(key)];
  return String(nodes?.[0]);
}

describe('redis feature store on a cluster', () => {
  it('computes the slot Redis computes for every kind of key', async () => {
    const k = redisKeys('p', TENANT);
    const keys = [k.user('u1'), k.cooc('view', 'größe'), k.trend('DE'), k.catalog, k.markets, k.applied('e}1'), k.user('a}b'), groupMarker(k, 'u:a', 'x'), 'x{}y', '{a'];
    for (const key of keys) expect(keySlot(key), key).toBe(await admin.cluster('KEYSLOT', key));
    expect(keySlot(groupMarker(k, 'i:größe', 'e1'))).toBe(keySlot(k.cooc('buy', 'größe')));
    expect(keySlot(groupMarker(k, k.catalog, 'e1'))).toBe(keySlot(k.catalog));
  });

  it('applies an event whose keys live on several nodes, once', async () => {
    const store = await open();
    const k = redisKeys('p', TENANT);
    const event: EventUpdates = { eventId: 'e1', updates: [push('u1', 'a', 5), cooc('a', 'b'), cooc('b', 'a'), trend('DE', 'a', 5), { op: 'item.put', item: catalogItem('a') }] };
    // The test is only meaningful when the event spans nodes.
    expect(new Set([k.user('u1'), k.cooc('view', 'a'), k.cooc('view', 'b'), k.trend('DE'), k.catalog].map(nodeOf)).size).toBeGreaterThan(1);
    expect(await store.apply([event])).toEqual([true]);
    expect(await store.apply([event])).toEqual([false]);
    expect((await store.getUser('u1'))?.recent).toEqual([{ item: 'a', type: 'view', ts: 5 }]);
    expect(await store.topCooc('view', 'b', 5)).toEqual([{ id: 'a', score: 1 }]);
    expect((await store.topTrending('DE', 5)).map((s) => s.id)).toEqual(['a']);
    expect(await store.getItem('a')).toEqual(catalogItem('a'));
  });

  it('completes a partially applied event exactly once on redelivery', async () => {
    const prefix = uniquePrefix('fs');
    const store = await open(prefix);
    const k = redisKeys(prefix, TENANT);
    const event: EventUpdates = {
      eventId: 'half',
      updates: [push('u1', 'a', 5), { op: 'user.count', user: 'u1', kind: 'view', ts: 5 }, cooc('a', 'b'), cooc('b', 'a'), trend('DE', 'a', 5)],
    };
    // A crash after the shopper's group landed and before the others: run that group alone.
    const groups = encodeClusterEvent(k, event, []);
    expect(groups.length).toBeGreaterThan(2);
    const shopper = groups.find((g) => g.tag === 'u:u1');
    if (shopper === undefined) throw new Error('no shopper group');
    const args = [...newScriptCall(k, { appliedIdTtlSeconds: 60, sessionTtlSeconds: 60, trendingMax: 100 }).args, ...shopper.args];
    expect(await admin.eval(APPLY_SCRIPT, shopper.keys.length, ...shopper.keys, ...args)).toEqual([1]);
    expect(await store.hasApplied('half')).toBe(false);
    expect(await store.hasAppliedEach?.(['half'])).toEqual([false]);
    expect(await store.topCooc('view', 'a', 5)).toEqual([]);

    // The redelivery: the shopper's group is skipped, the others land, the event counts as applied.
    expect(await store.apply([event])).toEqual([true]);
    const user = await store.getUser('u1');
    expect(user?.recent).toEqual([{ item: 'a', type: 'view', ts: 5 }]);
    expect(user?.counts).toEqual({ view: 1 });
    expect(await store.topCooc('view', 'a', 5)).toEqual([{ id: 'b', score: 1 }]);
    expect(await store.topCooc('view', 'b', 5)).toEqual([{ id: 'a', score: 1 }]);
    expect((await store.topTrending('DE', 5)).map((s) => s.id)).toEqual(['a']);
    expect(await store.hasAppliedEach?.(['half', 'other'])).toEqual([true, false]);

    // Any later delivery is a duplicate and changes nothing.
    expect(await store.apply([event])).toEqual([false]);
    expect((await store.getUser('u1'))?.counts).toEqual({ view: 1 });
    expect(await store.topCooc('view', 'a', 5)).toEqual([{ id: 'b', score: 1 }]);
  });

  it('skips a repeated id in one batch even when its updates name other keys', async () => {
    const store = await open();
    const res = await store.apply([
      { eventId: 'x', updates: [push('u1', 'a', 1)] },
      { eventId: 'x', updates: [push('u2', 'b', 2), cooc('c', 'd')] },
    ]);
    expect(res).toEqual([true, false]);
    expect(await store.getUser('u2')).toBeUndefined();
    expect(await store.topCooc('view', 'c', 5)).toEqual([]);
  });

  it('deletes an item from the trending sets of markets known before and added in the same batch', async () => {
    const store = await open();
    await store.apply([{ eventId: 'e1', updates: [trend('DE', 'a', 1), trend('DE', 'b', 1)] }]);
    expect(
      await store.apply([
        { eventId: 'e2', updates: [trend('FR', 'a', 2), trend('FR', 'c', 2)] },
        { eventId: 'e3', updates: [{ op: 'item.delete', item: 'a' }] },
      ]),
    ).toEqual([true, true]);
    expect((await store.topTrending('DE', 5)).map((s) => s.id)).toEqual(['b']);
    expect((await store.topTrending('FR', 5)).map((s) => s.id)).toEqual(['c']);
  });

  it('reads many markers across slots in one call, agreeing with hasApplied', async () => {
    const store = await open();
    const batch: EventUpdates[] = Array.from({ length: 50 }, (_, i) => ({ eventId: `m${i}`, updates: [push(`u${i % 7}`, `i${i}`, i), cooc(`i${i}`, `i${i + 1}`)] }));
    expect(await store.apply(batch.filter((_, i) => i % 2 === 0))).toEqual(batch.filter((_, i) => i % 2 === 0).map(() => true));
    const ids = batch.map((e) => e.eventId);
    const each = await store.hasAppliedEach?.(ids);
    expect(each).toEqual(ids.map((_, i) => i % 2 === 0));
    expect(await Promise.all(ids.map((id) => store.hasApplied(id)))).toEqual(each);
    expect(await store.apply(batch)).toEqual(ids.map((_, i) => i % 2 === 1));
  });

  it('is opened from the featureStore URL, with the key prefix the URL names', async () => {
    const prefix = uniquePrefix('url');
    const store = await openFeatureStore(clusterUrl(prefix), TENANT, { logger: silentLogger, instrumentation: createInstrumentation() });
    opened.push(store);
    expect(await store.apply([{ eventId: 'u', updates: [push('u1', 'a', 1)] }])).toEqual([true]);
    expect(await admin.exists(redisKeys(prefix, TENANT).user('u1'))).toBe(1);
    expect(await store.ping()).toBe(true);
  });
});

describe('cluster URL', () => {
  it('parses nodes, credentials, TLS and the key prefix', () => {
    expect(parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002/?prefix=shop')).toEqual({
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }],
      username: undefined,
      password: undefined,
      tls: false,
      keyPrefix: 'shop',
    });
    expect(parseClusterUrl('rediss+cluster://app:p%40ss@redis.internal')).toMatchObject({
      nodes: [{ host: 'redis.internal', port: 6379 }],
      username: 'app',
      password: 'p@ss',
      tls: true,
      keyPrefix: undefined,
    });
  });

  it('refuses what it cannot use, with a clear error', async () => {
    for (const url of ['redis+cluster://', 'redis+cluster://h:1/0', 'redis+cluster://h:99999', 'redis+cluster://h:1/?db=2']) {
      expect(() => parseClusterUrl(url), url).toThrow(/cluster url/);
    }
    await expect(openRedisFeatureStore({ url: 'redis+cluster://h:1/?prefix=a{b', tenant: TENANT, logger: silentLogger, instrumentation: createInstrumentation() })).rejects.toMatchObject({
      code: 'option_invalid',
    });
  });
});
