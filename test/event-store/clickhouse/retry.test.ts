import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createInstrumentation, silentLogger, type InstrumentationEvents } from '../../../src/core/index.ts';
import { createClickHouseEventStore, type EventStore } from '../../../src/event-store/index.ts';
import { exceptionCode, isRetriableFailure } from '../../../src/event-store/clickhouse/transport.ts';
import { uniquePrefix } from '../../support/helpers.ts';
import { view } from '../../support/samples.ts';
import { clickhouseTestUrl } from '../../support/services.ts';

const SERVER = clickhouseTestUrl();
const upstream = new URL(SERVER);
const database = uniquePrefix('meridian_test').replace(/-/g, '_');

afterAll(async () => {
  await fetch(SERVER, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` });
});

interface Proxy {
  url: string;
  /** The next `n` INSERT requests get `status` with `body` instead of reaching ClickHouse. */
  failInserts(n: number, status?: number, body?: string): void;
  close(): Promise<void>;
}

/**
 * An HTTP hop in front of the real server that can answer INSERTs with an error: the only way to
 * make a real server fail on cue. Everything else is forwarded as is.
 */
async function startProxy(): Promise<Proxy> {
  let failures = 0;
  let failStatus = 503;
  let failBody = 'Service Unavailable';
  const server: Server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://proxy').searchParams.get('query') ?? '';
    if (failures > 0 && /^\s*INSERT/i.test(query)) {
      failures--;
      req.resume();
      req.on('end', () => res.writeHead(failStatus, { 'content-type': 'text/plain' }).end(failBody));
      return;
    }
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    failInserts(n, status = 503, body = 'Service Unavailable') {
      failures = n;
      failStatus = status;
      failBody = body;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('clickhouse event store: failing inserts', () => {
  const instrumentation = createInstrumentation();
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(retries: number): Promise<{ proxy: Proxy; store: EventStore; direct: EventStore; inserts: boolean[] }> {
    const proxy = await startProxy();
    cleanups.push(() => proxy.close());
    const inserts: boolean[] = [];
    const off = instrumentation.on('service.call', (c) => {
      if (c.op === 'insert') inserts.push(c.ok);
    });
    cleanups.push(async () => {
      off();
    });
    const opts = { database, logger: silentLogger, instrumentation, flushIntervalMs: 3_600_000 };
    const store = await createClickHouseEventStore({ ...opts, url: proxy.url, retries, retryBaseMs: 5 });
    const direct = await createClickHouseEventStore({ ...opts, url: SERVER as string });
    cleanups.push(() => direct.close(), () => store.close());
    return { proxy, store, direct, inserts };
  }

  it('retries an insert answered 503 twice, then stores it once', async () => {
    const { proxy, store, direct, inserts } = await setup(3);
    const flushed: InstrumentationEvents['eventstore.flushed'][] = [];
    const off = instrumentation.on('eventstore.flushed', (p) => flushed.push(p));
    const tenant = uniquePrefix('retry');
    proxy.failInserts(2);
    await store.append([view(tenant, 1), view(tenant, 2), view(tenant, 3)]);
    await store.flush();
    off();
    expect(inserts).toEqual([false, false, true]);
    expect(flushed).toEqual([expect.objectContaining({ events: 3, ok: true })]);
    expect(await direct.count({ tenant })).toBe(3);
  });

  it('keeps the batch when retries run out, and inserts it once when the server is back', async () => {
    const { proxy, store, direct, inserts } = await setup(1);
    const tenant = uniquePrefix('retry');
    proxy.failInserts(5);
    await store.append([view(tenant, 1), view(tenant, 2)]);
    await expect(store.flush()).rejects.toMatchObject({ code: 'event_store_flush_failed', retriable: true });
    expect(inserts).toEqual([false, false]); // the first try and one retry
    await store.append([view(tenant, 3)]);
    expect(await direct.count({ tenant })).toBe(0);
    proxy.failInserts(0);
    await store.flush();
    expect(await direct.count({ tenant })).toBe(3);
    const ids: string[] = [];
    for await (const e of direct.scan({ tenant })) ids.push(e.id);
    expect(ids).toEqual([view(tenant, 1).id, view(tenant, 2).id, view(tenant, 3).id]);
  });

  it('does not retry an error that names a lasting cause', async () => {
    const { proxy, store, inserts } = await setup(3);
    proxy.failInserts(1, 500, "Code: 60, e.displayText() = DB::Exception: Table x.y doesn't exist., e.what() = DB::Exception");
    await store.append([view(uniquePrefix('retry'), 1)]);
    await expect(store.flush()).rejects.toMatchObject({ code: 'event_store_flush_failed', cause: expect.objectContaining({ code: 'clickhouse_failed' }) });
    expect(inserts).toEqual([false]);
  });

  it('answers ping with false, never an error, once the server is gone', async () => {
    const { proxy, store } = await setup(0);
    expect(await store.ping()).toBe(true);
    await proxy.close();
    expect(await store.ping()).toBe(false);
  });
});

describe('which ClickHouse failures are retried', () => {
  it.each([
    [{ network: 'ECONNREFUSED', message: '' }, true],
    [{ status: 503, message: 'Service Unavailable' }, true],
    [{ status: 502, message: 'Bad Gateway' }, true],
    [{ status: 429, message: '' }, true],
    [{ status: 500, code: 252, message: 'Too many parts' }, true],
    [{ status: 500, code: 159, message: 'Timeout exceeded' }, true],
    [{ status: 500, code: 60, message: 'Unknown table' }, false],
    [{ status: 400, code: 62, message: 'Syntax error' }, false],
    [{ status: 404, message: '' }, false],
    [{ message: 'a bug' }, false],
  ])('%o → %s', (failure, retriable) => {
    expect(isRetriableFailure(failure)).toBe(retriable);
  });

  it('reads the exception code of old and new error bodies', () => {
    expect(exceptionCode('Code: 62, e.displayText() = DB::Exception: Syntax error')).toBe(62);
    expect(exceptionCode('Code: 60. DB::Exception: Unknown table. (UNKNOWN_TABLE)')).toBe(60);
    expect(exceptionCode('<html>Bad Gateway</html>')).toBeUndefined();
  });
});
