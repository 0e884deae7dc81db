import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEventLine, type MeridianEvent } from '../../src/ingest/index.ts';
import {
  createCatalog,
  createShoppers,
  createTraffic,
  postEvents,
  publishEvents,
  writeNdjson,
  type PaceClock,
} from '../../src/simulate/index.ts';
import { tempDir } from '../support/helpers.ts';

const catalog = createCatalog({ seed: 3, items: 200 });
const shoppers = createShoppers({ seed: 3, users: 60 });
const traffic = (events: number): Iterable<MeridianEvent> => createTraffic({ seed: 3, catalog, shoppers, events });

function* concat(...parts: Iterable<MeridianEvent>[]): Generator<MeridianEvent> {
  for (const p of parts) yield* p;
}

async function readBack(path: string): Promise<MeridianEvent[]> {
  const input = path.endsWith('.gz') ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
  const out: MeridianEvent[] = [];
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const v = parseEventLine(line);
    if (!v.ok) throw new Error(`bad line: ${line}`);
    out.push(v.event);
  }
  return out;
}

/** A fake pacing clock: sleeping advances time at once. */
function fakeClock(): PaceClock & { slept: number } {
  let t = 0;
  const clock = {
    slept: 0,
    now: () => t,
    sleep: async (ms: number) => {
      clock.slept += ms;
      t += ms;
    },
  };
  return clock;
}

describe('writeNdjson', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('round-trips events through a gzip file', async () => {
    const path = join(dir, 'events.ndjson.gz');
    const expected = [...concat(catalog, traffic(3000))];
    const res = await writeNdjson(concat(catalog, traffic(3000)), path);
    expect(res.events).toBe(3200);
    const raw = await readFile(path);
    expect([raw[0], raw[1]]).toEqual([0x1f, 0x8b]);
    expect(raw.length).toBeLessThan(res.bytes / 3);
    expect(await readBack(path)).toEqual(expected);
  });

  it('writes plain NDJSON when the path does not end in .gz', async () => {
    const path = join(dir, 'events.ndjson');
    const res = await writeNdjson(traffic(1200), path);
    const text = await readFile(path, 'utf8');
    expect(text.split('\n')).toHaveLength(1201);
    expect(Buffer.byteLength(text)).toBe(res.bytes);
    expect(await readBack(path)).toEqual([...traffic(1200)]);
  });

  it('stops at an aborted signal between batches', async () => {
    const path = join(dir, 'cut.ndjson');
    const ctl = new AbortController();
    ctl.abort();
    const res = await writeNdjson(traffic(10_000), path, { signal: ctl.signal });
    expect(res.events).toBeLessThanOrEqual(1000);
  });
});

describe('postEvents', () => {
  let server: Server;
  let url: string;
  let bodies: unknown[][];
  let answer: (batch: unknown[], res: ServerResponse) => void;

  beforeEach(async () => {
    bodies = [];
    answer = (batch, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: batch.length, duplicates: 0, rejected: 0, results: [] }));
    };
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/events') {
          res.writeHead(404).end();
          return;
        }
        const batch = JSON.parse(body) as unknown[];
        bodies.push(batch);
        answer(batch, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  it('posts batches to /v1/events and sums what the server answers', async () => {
    answer = (batch, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: batch.length - 2, duplicates: 1, rejected: 1, results: [] }));
    };
    const counts = await postEvents({ url, events: traffic(450), batchSize: 100 });
    expect(bodies.map((b) => b.length)).toEqual([100, 100, 100, 100, 50]);
    expect(counts).toEqual({ sent: 450, accepted: 440, duplicates: 5, rejected: 5, batches: 5 });
    expect(bodies.flat()).toEqual(JSON.parse(JSON.stringify([...traffic(450)])));
  });

  it('sends the API key it is given as a bearer token', async () => {
    const seen: (string | undefined)[] = [];
    const fetchWithKey: typeof globalThis.fetch = async (input, init) => {
      seen.push(new Headers(init?.headers).get('authorization') ?? undefined);
      return globalThis.fetch(input, init);
    };
    await postEvents({ url, events: traffic(10), batchSize: 10, apiKey: 'mk_0123456789abcdef_k', fetch: fetchWithKey });
    await postEvents({ url, events: traffic(10), batchSize: 10, fetch: fetchWithKey });
    expect(seen).toEqual(['Bearer mk_0123456789abcdef_k', undefined]);
  });

  it('counts a refused batch as rejected and retries a busy server', async () => {
    let calls = 0;
    answer = (batch, res) => {
      calls++;
      if (calls === 1) res.writeHead(413).end('{"code":"batch_too_large"}');
      else if (calls === 2) res.writeHead(503).end();
      else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: batch.length, duplicates: 0, rejected: 0 }));
      }
    };
    const clock = fakeClock();
    const counts = await postEvents({ url, events: traffic(20), batchSize: 10, clock });
    expect(counts).toEqual({ sent: 20, accepted: 10, duplicates: 0, rejected: 10, batches: 2 });
    expect(calls).toBe(3);
    expect(clock.slept).toBe(200);
  });

  it('gives up after its retries with a retriable error', async () => {
    answer = (_batch, res) => res.writeHead(503).end();
    await expect(postEvents({ url, events: traffic(5), retries: 2, clock: fakeClock() })).rejects.toMatchObject({
      code: 'simulate_post_failed',
      retriable: true,
    });
    expect(bodies).toHaveLength(3);
  });

  it('paces batches at the target rate', async () => {
    const clock = fakeClock();
    await postEvents({ url, events: traffic(1000), rate: 250, batchSize: 100, clock });
    // Ten batches of 100 at 250 events/s: the last one leaves at 3.6 s.
    expect(clock.slept).toBeCloseTo(3600, 6);
  });

  it('rejects a bad url and bad pacing options', async () => {
    await expect(postEvents({ url: 'not a url', events: [] })).rejects.toThrow(/url/);
    await expect(postEvents({ url, events: [], rate: -1 })).rejects.toThrow(/rate/);
    await expect(postEvents({ url, events: [], batchSize: 5000 })).rejects.toThrow(/batchSize/);
  });
});

describe('publishEvents', () => {
  it('hands batches to the bus in order and stops when aborted', async () => {
    const seen: MeridianEvent[][] = [];
    const ctl = new AbortController();
    const counts = await publishEvents({
      events: traffic(1000),
      batchSize: 100,
      signal: ctl.signal,
      publish: async (batch) => {
        seen.push([...batch]);
        if (seen.length === 3) ctl.abort();
      },
    });
    expect(counts).toEqual({ sent: 300, batches: 3 });
    expect(seen.flat()).toEqual([...traffic(300)]);
  });
});
