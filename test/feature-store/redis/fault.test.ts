import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createInstrumentation, MeridianError, silentLogger, type InstrumentationEvents } from '../../../src/core/index.ts';
import { openRedisFeatureStore, type FeatureStore } from '../../../src/feature-store/index.ts';
import { type EventUpdates } from '../../../src/features/index.ts';
import { tempDir, uniquePrefix, waitFor } from '../../support/helpers.ts';

/*
 * Outages against a private redis-server on a free port (the shared test server is never stopped).
 */

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  await once(srv, 'close');
  return port;
}

async function answers(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } finally {
    c.disconnect();
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A private redis-server without persistence; stopped by the test's cleanup at the latest. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const exited = once(proc, 'exit');
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  await waitFor(() => answers(port), { what: `redis-server on port ${port}` });
  return proc;
}

async function kill(proc: ChildProcess): Promise<void> {
  const exited = once(proc, 'exit');
  proc.kill('SIGKILL');
  await exited;
}

const event = (id: string): EventUpdates => ({ eventId: id, updates: [{ op: 'user.count', user: 'u:1', kind: 'view', ts: 1 }] });

describe('redis feature store outages', () => {
  it('fails fast while Redis is down and works again, by itself, once it is back', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const port = await freePort();
    let server = await startRedis(port, dir);
    const instrumentation = createInstrumentation();
    const calls: InstrumentationEvents['service.call'][] = [];
    instrumentation.on('service.call', (c) => calls.push(c));
    const store: FeatureStore = await openRedisFeatureStore({
      url: `redis://127.0.0.1:${port}`,
      tenant: 't1',
      keyPrefix: uniquePrefix('fs'),
      logger: silentLogger,
      instrumentation,
      maxReconnectDelayMs: 100,
      connectTimeoutMs: 1_000,
    });
    cleanups.push(() => store.close());
    expect(await store.apply([event('e1')])).toEqual([true]);

    await kill(server);
    await waitFor(async () => !(await store.ping()), { what: 'ping() to turn false' });
    const t0 = performance.now();
    const err: unknown = await store.apply([event('e2')]).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(err).toBeInstanceOf(MeridianError);
    expect(err).toMatchObject({ code: 'feature_store_unavailable', retriable: true, statusCode: 503 });
    await expect(store.getUser('u:1')).rejects.toMatchObject({ code: 'feature_store_unavailable', retriable: true });
    // (A ping sent just before the connection noticed the loss may fail too; it is not asserted.)
    expect(calls.filter((c) => !c.ok && c.op !== 'ping').map((c) => c.op)).toEqual(['apply', 'getUser']);

    // A fresh server on the same port (empty: no persistence), with no action on the store.
    server = await startRedis(port, dir);
    await waitFor(() => store.ping(), { what: 'the store to reconnect' });
    expect(await store.apply([event('e2'), event('e2')])).toEqual([true, false]);
    expect((await store.getUser('u:1'))?.counts).toEqual({ view: 1 });
    expect(await store.hasApplied('e2')).toBe(true);
  });

  it('reloads its scripts after the server forgets them (SCRIPT FLUSH)', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const port = await freePort();
    await startRedis(port, dir);
    const store = await openRedisFeatureStore({
      url: `redis://127.0.0.1:${port}`,
      tenant: 't1',
      logger: silentLogger,
      instrumentation: createInstrumentation(),
    });
    cleanups.push(() => store.close());
    expect(await store.apply([event('e1')])).toEqual([true]);
    expect((await store.getUser('u:1'))?.counts).toEqual({ view: 1 });
    const admin = new Redis({ port, host: '127.0.0.1' });
    cleanups.push(async () => void (await admin.quit()));
    await admin.script('FLUSH');
    // Same connection, script cache gone: the calls come back NOSCRIPT and are sent again.
    const batch = Array.from({ length: 100 }, (_, i) => event(`f${i}`));
    expect(await store.apply([event('e1'), ...batch])).toEqual([false, ...batch.map(() => true)]);
    expect((await store.getUser('u:1'))?.counts).toEqual({ view: 101 });
  });

  it('refuses to open when nothing answers', async () => {
    const port = await freePort();
    const opening = openRedisFeatureStore({
      url: `redis://127.0.0.1:${port}`,
      tenant: 't1',
      logger: silentLogger,
      instrumentation: createInstrumentation(),
    });
    await expect(opening).rejects.toMatchObject({ code: 'feature_store_unavailable', retriable: true });
  });
});
