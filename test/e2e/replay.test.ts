import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shopperKey, type MeridianEvent } from '../../src/ingest/index.ts';
import { createReplayProgress } from '../../src/main/replay-progress.ts';
import { replay, type ReplayDeps, type ReplaySummary } from '../../src/main/index.ts';
import { parseReplayFlags, runReplay } from '../../src/cli/replay.ts';
import { createCatalog, createShoppers, createTraffic, writeNdjson, type PaceClock } from '../../src/simulate/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { tempDir } from '../support/helpers.ts';
import { startEngine } from '../support/engine-harness.ts';

type Env = Awaited<ReturnType<typeof startEngine>>;

const T0 = Date.UTC(2026, 2, 1);
const MARKETS = ['US', 'DE', 'JP'];

/** A stream that keeps what is written, posing as a TTY or not. */
function sink(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return Object.assign(w, { isTTY, text: () => chunks.join('') });
}

function toCsv(events: readonly MeridianEvent[]): string {
  const columns = [...new Set(events.flatMap((e) => Object.keys(e)))];
  const cell = (v: unknown): string => {
    if (v === undefined) return '';
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return `"${s.replace(/"/g, '""')}"`;
  };
  return [columns.join(','), ...events.map((e) => columns.map((c) => cell((e as Record<string, unknown>)[c])).join(','))].join('\r\n') + '\r\n';
}

describe('meridian replay', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => undefined;
  let events: MeridianEvent[] = [];
  let log = '';
  /** 1-based line numbers of the malformed lines, with the reason each gets. */
  const bad: { line: number; reason: string }[] = [];
  const engines: Env[] = [];

  const engine = async (): Promise<Env> => {
    const env = await startEngine();
    engines.push(env);
    return env;
  };
  const deps = (env: Env, over: Partial<ReplayDeps> = {}): ReplayDeps => ({ logger: silentLogger, runtime: env.rt, progress: sink(false), out: () => {}, ...over });
  const run = (env: Env, argv: string[], over: Partial<ReplayDeps> = {}): Promise<ReplaySummary> =>
    replay(parseReplayFlags([...argv, '--rejected', join(dir, 'rejected.ndjson')]), deps(env, over));

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('meridian-replay-'));
    const catalog = createCatalog({ seed: 11, items: 200, ts: T0 });
    const shoppers = createShoppers({ seed: 11, users: 50 });
    events = [...catalog, ...createTraffic({ seed: 11, catalog, shoppers, start: T0 + 3_600_000, events: 3000 })];
    const clean = join(dir, 'clean.ndjson');
    expect((await writeNdjson(events, clean)).events).toBe(events.length);
    const lines = (await readFile(clean, 'utf8')).split('\n').filter((l) => l !== '');
    // Malformed lines among good ones, each at a known line of the final file.
    const inserts: [number, string, string][] = [
      [10, '{"type":"view","id":"truncated', 'unparseable'],
      [700, JSON.stringify({ type: 'teleport', id: 'x1', ts: T0 }), 'unknown_type'],
      [2500, JSON.stringify({ type: 'view', id: 'x2', market: 'DE', locale: 'de-DE', user_id: 'u', ts: -5, item_id: 'i' }), 'invalid_field'],
    ];
    for (const [at, text, reason] of inserts) {
      lines.splice(at - 1, 0, text);
      bad.push({ line: at, reason });
    }
    log = join(dir, 'events.ndjson');
    await writeFile(log, lines.join('\n') + '\n');
  });
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });
  afterAll(async () => cleanup());

  const users = (): string[] => [...new Set(events.map((e) => shopperKey(e)).filter((k): k is string => k !== undefined))].sort();

  /** What an engine knows: every shopper's counts and recent items, and recommendations for some. */
  async function state(env: Env): Promise<unknown> {
    const ctx = await env.rt.tenants.get('default');
    const shoppers: Record<string, unknown> = {};
    for (const key of users()) {
      const u = await ctx.store.getUser(key);
      shoppers[key] = u === undefined ? undefined : { counts: u.counts, recent: u.recent, purchased: u.purchased };
    }
    const recs: unknown[] = [];
    for (const key of users().filter((k) => k.startsWith('u:')).slice(0, 8)) {
      for (const market of MARKETS) {
        const list = await env.rt.engine.recommend({ tenant: 'default', market, k: 10, user: key.slice(2), exclude: ['purchased'] });
        recs.push(list.items.map((i) => [i.id, i.score.toFixed(6)]));
      }
    }
    return { shoppers, recs, items: await ctx.store.itemCount() };
  }

  it('replays a log twice into one engine to the state of once; rejected lines go to the file with their line numbers', async () => {
    const env = await engine();
    const first = await run(env, [log]);
    expect(first).toMatchObject({ read: events.length + 3, accepted: events.length, duplicates: 0, rejected: 3, interrupted: false });
    expect(first.rejectedByReason).toEqual({ unparseable: 1, unknown_type: 1, invalid_field: 1 });
    const once = await state(env);
    expect((once as { items: number }).items).toBe(200);

    const second = await run(env, [log]);
    expect(second).toMatchObject({ read: events.length + 3, accepted: 0, duplicates: events.length, rejected: 3 });
    expect(await state(env)).toEqual(once);

    const rejected = (await readFile(join(dir, 'rejected.ndjson'), 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rejected.map((r) => ({ line: r.line, reason: r.reason }))).toEqual(bad);
    expect(rejected.every((r) => r.file === log && Array.isArray(r.errors) && (r.errors as unknown[]).length > 0)).toBe(true);
    expect(rejected[0]?.raw).toBe('{"type":"view","id":"truncated');
  });

  it('gives two fresh engines the same state and the same recommendations', async () => {
    const [a, b] = [await engine(), await engine()];
    await run(a, [log]);
    await run(b, [log]);
    expect(await state(b)).toEqual(await state(a));
  });

  it('reads gzip and CSV logs to the same state as NDJSON', async () => {
    const gz = join(dir, 'events.ndjson.gz');
    await writeFile(gz, gzipSync(await readFile(log)));
    const csv = join(dir, 'events.csv');
    await writeFile(csv, toCsv(events));
    const reference = await engine();
    await run(reference, [log]);
    const expected = await state(reference);
    for (const file of [gz, csv]) {
      const env = await engine();
      const summary = await run(env, [file]);
      expect(summary, file).toMatchObject({ accepted: events.length, rejected: file === gz ? 3 : 0 });
      expect(await state(env)).toEqual(expected);
    }
  });

  it('replays exactly the events of an event store range', async () => {
    const source = await engine();
    await run(source, [log]);
    await source.rt.eventStore.flush();
    const traffic = events.filter((e) => e.type !== 'item_upsert');
    const from = (traffic[1000] as MeridianEvent).ts;
    const to = (traffic[2000] as MeridianEvent).ts;
    const inRange = events.filter((e) => e.ts >= from && e.ts < to);
    expect(inRange.length).toBeGreaterThan(500);

    const target = await engine();
    const summary = await run(target, ['--from-store', '--from', new Date(from).toISOString(), '--to', String(to), '--tenant', 'default'], { eventStore: source.rt.eventStore });
    expect(summary).toMatchObject({ read: inRange.length, accepted: inRange.length, rejected: 0 });
    const replayed: string[] = [];
    for await (const e of target.rt.eventStore.scan({})) replayed.push(e.id);
    expect(replayed.sort()).toEqual(inRange.map((e) => e.id).sort());

    const reference = await engine(); // the same events, ingested directly
    for (let i = 0; i < inRange.length; i += 1000) await reference.rt.engine.ingest(inRange.slice(i, i + 1000), 'test');
    expect(await state(target)).toEqual(await state(reference));
  });

  it('paces events at a speed factor of event time', async () => {
    const env = await engine();
    const slice = events.slice(200, 500); // traffic: timestamps spread over hours
    const file = join(dir, 'slice.ndjson');
    await writeNdjson(slice, file);
    let now = 0;
    const sent: number[] = [];
    const clock: PaceClock = { now: () => now, sleep: async (ms) => void (now += ms) };
    const ingest = env.rt.engine.ingest.bind(env.rt.engine);
    env.rt.engine.ingest = async (batch, source) => {
      for (const e of batch as MeridianEvent[]) sent.push(now - ((e.ts - (slice[0] as MeridianEvent).ts) / 60));
      return ingest(batch, source);
    };
    const summary = await run(env, [file, '--speed', '60'], { clock });
    expect(summary.accepted).toBe(slice.length);
    const span = ((slice[slice.length - 1] as MeridianEvent).ts - (slice[0] as MeridianEvent).ts) / 60;
    expect(now).toBeGreaterThanOrEqual(span - 5);
    // Every event went out within the slack of its due time: never late, at most 5 ms early.
    for (const lag of sent) expect(Math.abs(lag)).toBeLessThanOrEqual(5);
  });

  it('prints a summary and refuses bad flags with the usage', async () => {
    const env = await engine();
    const lines: string[] = [];
    const code = await runReplay([log, '--rejected', join(dir, 'r2.ndjson')], deps(env, { out: (l) => lines.push(l) }));
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/read 3,203, accepted 3,200, duplicates 0, rejected 3 \((invalid_field|unknown_type|unparseable) 1, .*r2\.ndjson\).* events\/s$/);
    expect(() => parseReplayFlags([])).toThrow(/usage/);
    expect(() => parseReplayFlags(['a.ndjson', '--fast'])).toThrow(/--fast: unknown flag/);
    expect(() => parseReplayFlags(['a.ndjson', '--from-store'])).toThrow(/not both/);
    expect(() => parseReplayFlags(['a.ndjson', '--from', '2026-01-01'])).toThrow(/--from-store/);
    expect(() => parseReplayFlags(['--from-store', '--from', 'soon'])).toThrow(/ISO/);
    expect(() => parseReplayFlags(['a.ndjson', '--batch', '5000'])).toThrow(/1000/);
    expect(() => parseReplayFlags(['a.ndjson', '--speed', '-1'])).toThrow(/factor/);
    await expect(replay(parseReplayFlags([join(dir, 'missing.ndjson')]), deps(env))).rejects.toMatchObject({ code: 'log_unreadable' });
  });

  it('shows progress as a bar on a TTY and as plain lines elsewhere', () => {
    let now = 0;
    const tty = sink(true);
    const bar = createReplayProgress({ stream: tty, now: () => now });
    now = 2000;
    bar.update({ read: 5000, done: 250, total: 1000 });
    bar.finish({ read: 20_000, done: 1000, total: 1000 });
    expect(tty.text()).toContain('\rreplay [##');
    expect(tty.text()).toMatch(/25\.0%\s+5,000 events\s+2,500 ev\/s\s+ETA 0:06/);
    expect(tty.text().endsWith('\n')).toBe(true);
    const plain = sink(false);
    const lines = createReplayProgress({ stream: plain, now: () => now, lineEveryMs: 5000 });
    lines.update({ read: 1, done: 1, total: 10 }); // too soon after the start
    now = 7001;
    lines.update({ read: 100, done: 5, total: 10 });
    expect(plain.text()).toBe('replay: 50.0% 100 events 20 ev/s ETA 0:05\n');
  });
});
