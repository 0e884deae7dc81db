import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createRng, silentLogger } from '../../../src/core/index.ts';
import { shopperKey, type MeridianEvent } from '../../../src/ingest/index.ts';
import { createOnlineSequence, createThreadedSequence, type SequenceService } from '../../../src/models/index.ts';
import { DEFAULT_PARAMS, type ModelParams } from '../../../src/models/sequence/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../../../src/simulate/index.ts';
import { tempDir } from '../../support/helpers.ts';

const run = promisify(execFile);

const T0 = Date.UTC(2026, 6, 1);

function traffic(seed: number, events: number): MeridianEvent[] {
  const catalog = createCatalog({ seed, items: 120, ts: T0 });
  return [...createTraffic({ seed, catalog, shoppers: createShoppers({ seed, users: 40 }), start: T0 + 60_000, events })] as MeridianEvent[];
}

const keysOf = (events: readonly MeridianEvent[]): string[] => [...new Set(events.map((e) => shopperKey(e)).filter((k) => k !== undefined))];

describe('the sequence model on a thread of its own', () => {
  const open: SequenceService[] = [];
  const threaded = (params?: () => ModelParams): SequenceService => {
    const s = createThreadedSequence({ logger: silentLogger, ...(params === undefined ? {} : { params }) });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('ranks exactly as the model in the serving thread, reading every event observed before each ranking', async () => {
    const events = traffic(11, 3000);
    const keys = keysOf(events);
    const inline = createOnlineSequence();
    const thread = threaded();
    const rng = createRng(5);
    let asked = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as MeridianEvent;
      inline.observe(e);
      thread.observe(e);
      // Rankings asked between events, without waiting for the thread: each must already read this event.
      if (rng.next() < 0.1) {
        const key = shopperKey(e) ?? (rng.pick(keys) as string);
        const skip = events.slice(Math.max(0, i - 3), i).flatMap((x) => ('item_id' in x && typeof x.item_id === 'string' ? [x.item_id] : []));
        const skipHistory = rng.next() < 0.5;
        const history = inline.history(key);
        const left = new Set(skip);
        if (skipHistory) for (const h of history) left.add(h);
        expect(await thread.rank(key, 10, skip, skipHistory)).toEqual({ history, hits: history.length === 0 ? [] : inline.score(key, 10, left) });
        asked++;
      }
    }
    expect(asked).toBeGreaterThan(200);
    await thread.settle(0);
    expect(await thread.size()).toEqual(inline.size());
  });

  it('ranks with the parameters in service at the time of asking, and a bad set fails that ranking only', async () => {
    const events = traffic(12, 1500);
    const sharp: ModelParams = { ...DEFAULT_PARAMS, weights: { ...DEFAULT_PARAMS.weights, knn: 0, transitions: 3 } };
    const broken: ModelParams = { ...DEFAULT_PARAMS, neighbours: { ...DEFAULT_PARAMS.neighbours, k: 0 } };
    let params: ModelParams = DEFAULT_PARAMS;
    const thread = threaded(() => params);
    const byDefault = createOnlineSequence();
    const bySharp = createOnlineSequence({ params: () => sharp });
    for (const e of events) {
      thread.observe(e);
      byDefault.observe(e);
      bySharp.observe(e);
    }
    const key = keysOf(events).find((k) => byDefault.history(k).length >= 3) as string;
    expect((await thread.rank(key, 10, [], true)).hits).toEqual(byDefault.score(key, 10, new Set(byDefault.history(key))));
    params = sharp;
    const sharpHits = bySharp.score(key, 10, new Set(bySharp.history(key)));
    expect(sharpHits).not.toEqual(byDefault.score(key, 10, new Set(byDefault.history(key))));
    expect((await thread.rank(key, 10, [], true)).hits).toEqual(sharpHits);
    params = broken;
    await expect(thread.rank(key, 10, [], true)).rejects.toMatchObject({ code: 'sequence_failed', message: expect.stringMatching(/neighbours\.k/) });
    params = sharp;
    expect((await thread.rank(key, 10, [], true)).hits).toEqual(sharpHits);
  });

  it('lets a stream wait for it: settle resolves once at most the given number of steps wait', async () => {
    const events = traffic(13, 6000);
    const thread = threaded();
    for (const e of events) thread.observe(e);
    expect(thread.backlog()).toBeGreaterThan(3000);
    await thread.settle(0);
    expect(thread.backlog()).toBe(0);
    const inline = createOnlineSequence();
    for (const e of events) inline.observe(e);
    expect((await thread.size()).events).toBe(inline.size().events);
    expect(inline.size().events).toBeGreaterThan(3000);
  });

  it('answers 503 sequence_closed once closed, and checks its options before starting a thread', async () => {
    const thread = threaded();
    thread.observe(traffic(14, 10)[5] as MeridianEvent);
    expect(thread.healthy()).toBe(true);
    await thread.close();
    expect(thread.healthy()).toBe(false);
    await expect(thread.rank('u:x', 5, [], true)).rejects.toMatchObject({ code: 'sequence_closed', statusCode: 503 });
    await expect(thread.size()).rejects.toMatchObject({ code: 'sequence_closed' });
    await thread.settle(0);
    expect(() => createThreadedSequence({ logger: silentLogger, segmentLength: 4, historyLength: 8 })).toThrow(/historyLength/);
  });
});

describe('a process waiting on the sequence model thread', () => {
  it('stays alive until the thread has answered, though an idle thread holds no process open', async () => {
    const tmp = await tempDir('meridian-sequence-exit-');
    try {
      const script = join(tmp.dir, 'wait.mts');
      const online = pathToFileURL(resolve('src/models/index.ts')).href;
      const core = pathToFileURL(resolve('src/core/index.ts')).href;
      await writeFile(
        script,
        `import { createThreadedSequence } from ${JSON.stringify(online)};
import { silentLogger } from ${JSON.stringify(core)};
const s = createThreadedSequence({ logger: silentLogger });
for (let i = 0; i < 20000; i++) s.observe({ id: 'e' + i, type: 'view', tenant: 'default', market: 'DE', user_id: 'u' + (i % 50), item_id: 'i' + (i % 300), ts: i } as never);
await s.settle(0);
const size = await s.size();
console.log('settled', size.events);
`,
      );
      // Nothing else keeps this process alive: without the thread held while awaited, it exits early and prints nothing.
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd() });
      expect(stdout.trim()).toBe('settled 20000');
    } finally {
      await tmp.cleanup();
    }
  });
});
