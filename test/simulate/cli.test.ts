import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.ts';
import { validateEvent } from '../../src/ingest/index.ts';
import { parseSimulateFlags, runSimulate } from '../../src/cli/simulate.ts';
import { tempDir } from '../support/helpers.ts';

describe('runSimulate', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('writes the catalog and the traffic to a gzip file and prints one line', async () => {
    const path = join(dir, 'sim.ndjson.gz');
    const lines: string[] = [];
    const code = await runSimulate(['--seed', '4', '--items', '150', '--users', '40', '--events', '2000', '--out', path], {
      logger: silentLogger,
      out: (l) => lines.push(l),
      signal: new AbortController().signal,
    });
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^simulate: wrote 150 items and 2000 events to .*sim\.ndjson\.gz; seed 4/);
    const events = gunzipSync(readFileSync(path)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(events).toHaveLength(2150);
    expect(events.filter((e) => !validateEvent(e).ok)).toEqual([]);
    expect((events[0] as { type: string }).type).toBe('item_upsert');
    expect((events[150] as { type: string }).type).not.toBe('item_upsert');
  });

  it('posts to a server with wall-clock timestamps', async () => {
    const got: { ts: number; type: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const batch = JSON.parse(body) as { ts: number; type: string }[];
        got.push(...batch);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: batch.length, duplicates: 0, rejected: 0 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const lines: string[] = [];
      const code = await runSimulate(['--items', '80', '--users', '20', '--events', '300', '--url', url, '--batch', '50'], {
        logger: silentLogger,
        out: (l) => lines.push(l),
        now: () => 1_800_000_000_000,
        signal: new AbortController().signal,
      });
      expect(code).toBe(0);
      expect(lines[0]).toMatch(/posted 80 items and 300 events .* \(accepted 380, duplicates 0, rejected 0\)/);
      const shopperEvents = got.filter((e) => e.type !== 'item_upsert');
      expect(shopperEvents).toHaveLength(300);
      expect(shopperEvents.every((e) => e.ts === 1_800_000_000_000)).toBe(true);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('parses flags with defaults and refuses bad ones', () => {
    const f = parseSimulateFlags(['--out', 'x.ndjson']);
    expect(f).toMatchObject({ seed: 1, items: 2000, users: 500, events: 100_000, clock: 'sim', rate: 0 });
    expect(parseSimulateFlags(['--url', 'http://h:1', '--rate', '50']).clock).toBe('wall');
    expect(parseSimulateFlags(['--out', 'x', '--markets', 'de,jp']).markets).toEqual(['DE', 'JP']);
    expect(() => parseSimulateFlags(['--out', 'x', '--bogus', '1'])).toThrow(/--bogus: unknown flag/);
    expect(() => parseSimulateFlags(['--items', 'many', '--out', 'x'])).toThrow(/--items/);
    expect(() => parseSimulateFlags(['--items', '10'])).toThrow(/exactly one of --out/);
    expect(() => parseSimulateFlags(['--out', 'x', '--url', 'http://h'])).toThrow(/exactly one/);
    expect(() => parseSimulateFlags(['--out', 'x', '--seed'])).toThrow(/expected a value/);
  });
});
