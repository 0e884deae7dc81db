import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { tempDir, waitFor } from '../support/helpers.ts';

/*
 * `meridian serve` on its embedded defaults (memory feature store with a snapshot, chDB, in-process
 * bus, all under .data/ of its working directory), killed with SIGKILL: what the last completed
 * snapshot interval held comes back at the next start, through the HTTP API.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/meridian.js');
const T0 = Date.UTC(2026, 3, 1);
const INTERVAL_MS = 200;
const SNAPSHOT = '.data/features/default.snapshot.json';

interface Serve {
  child: ChildProcess;
  url: string;
}

/** The environment of the child: this one without any MERIDIAN_* key, so only the defaults and ours apply. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MERIDIAN_')) env[k] = v;
  return { ...env, MERIDIAN_SNAPSHOT_INTERVAL_MS: String(INTERVAL_MS), MERIDIAN_AUTH: 'off', MERIDIAN_LOG_LEVEL: 'info' };
}

/** Starts `meridian serve` in `cwd` on a free port; resolves once it listens, with its address. */
async function startServe(cwd: string, children: ChildProcess[]): Promise<Serve> {
  const child = spawn(process.execPath, [BIN, 'serve', '--no-demo', '--port', '0'], { cwd, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let log = '';
  let url: string | undefined;
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    log += chunk;
    for (const line of chunk.split('\n')) {
      if (!line.includes('meridian is serving')) continue;
      url = (JSON.parse(line) as { url: string }).url;
    }
  });
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`serve exited with code ${child.exitCode}:\n${log.slice(-2000)}`);
      return url;
    },
    { what: 'serve to listen', timeoutMs: 90_000, intervalMs: 50 },
  );
  return { child, url: url as string };
}

async function post(s: Serve, events: readonly unknown[]): Promise<{ accepted: number; duplicates: number; rejected: number }> {
  const res = await fetch(`${s.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  if (res.status !== 200) throw new Error(`POST /v1/events answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { accepted: number; duplicates: number; rejected: number };
}

async function get(s: Serve, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${s.url}${path}`);
  return { status: res.status, body: await res.json() };
}

describe('serve on embedded defaults, killed with SIGKILL', () => {
  const children: ChildProcess[] = [];
  let cleanup: (() => Promise<void>) | undefined;

  afterAll(async () => {
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
    }
    await cleanup?.();
  });

  it('restarts with the feature state of the last completed snapshot interval', async () => {
    const tmp = await tempDir('meridian-sigkill-');
    cleanup = tmp.cleanup;
    const catalog = createCatalog({ seed: 11, items: 60, ts: T0 });
    const shoppers = createShoppers({ seed: 11, users: 20 });
    const before = [...catalog, ...createTraffic({ seed: 11, catalog, shoppers, start: T0 + 60_000, events: 400 })];
    const item = catalog.items[0]?.id as string;

    const first = await startServe(tmp.dir, children);
    expect(await post(first, before)).toMatchObject({ accepted: before.length, rejected: 0 });
    const trending = await get(first, '/v1/trending?market=FR&k=10');
    expect(trending.status).toBe(200);
    expect((trending.body as { items: unknown[] }).items.length).toBeGreaterThan(0);

    // Past one interval a snapshot holds every event posted so far (the file only ever appears
    // whole: it is renamed into place), then more events arrive and the process dies at once.
    const lastId = (before[before.length - 1] as { id: string }).id;
    await waitFor(async () => (await readFile(join(tmp.dir, SNAPSHOT), 'utf8').catch(() => '')).includes(JSON.stringify(lastId)), {
      what: 'a snapshot holding every event posted',
      timeoutMs: 30_000,
      intervalMs: INTERVAL_MS / 2,
    });
    // Outside FR, so FR's trending is the same whether the kill lands before their snapshot or after.
    const after = [...createTraffic({ seed: 12, catalog, shoppers, start: T0 + 7_200_000, events: 300 })].filter((e) => e.market !== 'FR');
    expect(after.length).toBeGreaterThan(0);
    expect(await post(first, after)).toMatchObject({ accepted: after.length });
    const killed = once(first.child, 'exit');
    first.child.kill('SIGKILL');
    expect(await killed).toEqual([null, 'SIGKILL']);

    const second = await startServe(tmp.dir, children);
    expect((await get(second, '/readyz')).status).toBe(200);
    // Trending is feature state only: exactly what it was when the snapshot was taken.
    expect(await get(second, '/v1/trending?market=FR&k=10')).toEqual(trending);
    expect((await get(second, `/v1/items/${item}/similar?market=FR&k=5`)).status).toBe(200);
    // Every event id applied before the snapshot is remembered: the same events again change nothing.
    expect(await post(second, before)).toMatchObject({ accepted: 0, duplicates: before.length });

    // A graceful stop still writes the last snapshot and exits cleanly.
    const stopped = once(second.child, 'exit');
    second.child.kill('SIGTERM');
    expect(await stopped).toEqual([0, null]);
  }, 240_000);
});
