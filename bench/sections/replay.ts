import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { silentLogger } from '../../src/core/index.ts';
import { createRuntime, replay, type ReplayFlags, type ReplaySummary } from '../../src/main/index.ts';
import { writeNdjson } from '../../src/simulate/index.ts';
import { embeddedConfig, storefront } from '../harness/engine.ts';
import { profiled } from '../harness/profile.ts';
import { cpuMeter, round } from '../harness/stats.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';

/**
 * `meridian replay` of a simulated log (catalog first, then a day of traffic) into a fresh embedded
 * engine each time: NDJSON, the same gzip-compressed, and NDJSON into the default chDB event store.
 * Everything the pipeline does is in the time: reading, parsing, validating, the bus, the online
 * updater and the event store.
 */
export interface ReplayRun {
  label: string;
  file: string;
  bytes: number;
  eventStore: string;
  read: number;
  accepted: number;
  rejected: number;
  seconds: number;
  eventsPerSecond: number;
  cpuMicrosPerEvent: number;
  waitShare: number | null;
}

export interface ReplayData {
  events: number;
  items: number;
  runs: ReplayRun[];
}

const discard = (): NodeJS.WritableStream & { isTTY?: boolean } =>
  Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false });

async function replayInto(label: string, file: string, eventStore: string, dir: string, profileDir?: string): Promise<ReplayRun> {
  const rt = await createRuntime(embeddedConfig({ eventStore }), { logger: silentLogger });
  let summary: ReplaySummary;
  const meter = cpuMeter();
  try {
    const flags: ReplayFlags = { files: [file], fromStore: false, range: {}, speed: 0, batch: 1000, rejected: join(dir, `${label}.rejected.ndjson`), config: undefined };
    const deps = { logger: silentLogger, runtime: rt, progress: discard(), out: () => {}, signal: new AbortController().signal };
    summary = await profiled(profileDir, `replay-${label.replace(/[^a-z0-9]+/gi, '-')}`, () => replay(flags, deps));
    await rt.eventStore.flush?.();
  } finally {
    await rt.close();
  }
  const usage = meter.stop();
  return {
    label,
    file: file.split('/').pop() as string,
    bytes: (await stat(file)).size,
    eventStore,
    read: summary.read,
    accepted: summary.accepted,
    rejected: summary.rejected,
    seconds: round(summary.seconds),
    eventsPerSecond: round(summary.eventsPerSecond),
    cpuMicrosPerEvent: round((usage.processCpuSeconds * 1e6) / Math.max(1, summary.read)),
    waitShare: usage.mainThreadWaitShare,
  };
}

export async function runReplayBench(opts: BenchOptions): Promise<ReplayData> {
  const total = opts.quick ? 10_000 : 100_000;
  const items = total / 10;
  const dir = await mkdtemp(join(tmpdir(), 'meridian-bench-replay-'));
  try {
    const { catalog, traffic } = storefront(opts.seed, { items, users: items, events: total - items });
    const events = [...catalog, ...traffic];
    const ndjson = join(dir, 'events.ndjson');
    const gz = join(dir, 'events.ndjson.gz');
    await writeNdjson(events, ndjson);
    await writeNdjson(events, gz);
    const runs: ReplayRun[] = [];
    opts.log(`replay: ${events.length} events (${items} items) from NDJSON into memory stores`);
    runs.push(await replayInto('ndjson', ndjson, 'memory:', dir, opts.profileDir));
    opts.log('replay: the same, gzip');
    runs.push(await replayInto('ndjson.gz', gz, 'memory:', dir));
    opts.log('replay: NDJSON into the chDB event store (the embedded default)');
    runs.push(await replayInto('ndjson, chDB', ndjson, `chdb:${join(dir, 'chdb')}`, dir));
    return { events: events.length, items, runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function figures(d: ReplayData): Figure[] {
  return d.runs.map((r) => ({
    key: `replay.${r.label.replace(/[^a-z0-9]+/gi, '_')}`,
    label: `replay ${r.label} → ${r.eventStore.startsWith('chdb:') ? 'chDB' : 'memory'} event store`,
    value: r.eventsPerSecond,
    unit: 'events/s',
    note:
      `${r.read} events (${d.items} item upserts), ${r.accepted} accepted, ${r.rejected} rejected, ${(r.bytes / 2 ** 20).toFixed(1)} MiB file; ` +
      `${r.cpuMicrosPerEvent} µs CPU/event (process, chDB threads included)`,
  }));
}

export const runReplay: Section = async (opts) => {
  const data = await runReplayBench(opts);
  return { figures: figures(data), data };
};
