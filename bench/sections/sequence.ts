import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readLineSequences } from '../../src/batch/evaluate/readers.ts';
import { createRng } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { createOnlineSequence, type OnlineSequenceModel, type OnlineSequenceOptions } from '../../src/models/index.ts';
import { storefront } from '../harness/engine.ts';
import { cpuMeter, nowMs, percentiles, round, rounded, type Percentiles } from '../harness/stats.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';

/**
 * The online sequence model alone (src/online/sequence.ts, the model `meridian evaluate` measures):
 * µs per observed event, µs per scored request (the n best of the blend for a shopper, the shopper's
 * history left out, as a recommendation asks), and bytes of state, at the demo storefront's scale
 * and at beauty's (its sequences fed as events). The same events are also fed without the segment
 * cap, to show what the cap bounds.
 *
 * `node --import tsx bench/sections/sequence.ts [--quick] [--beauty PATH]` prints the figures and the data as
 * JSON. Requests are asked for logged-in shoppers (as the serving bench asks), sessions where there
 * are too few of them.
 */
export interface SequenceScale {
  name: string;
  shoppers: number;
  items: number;
  events: number;
  observe: { cpuMicrosPerEvent: number; microsPerEvent: Percentiles; maxMicros: number };
  /** The same events with no segment cap: the work of one append grows with its shopper's history. */
  uncapped: { cpuMicrosPerEvent: number; microsPerEvent: Percentiles; maxMicros: number };
  score: { requests: number; n: number; cpuMicrosPerRequest: number; micros: Percentiles; historyLength: Percentiles };
  memory: { totalBytes: number; bytesPerEvent: number; bytesPerShopper: number; bytesPerItem: number; measuredWithGc: boolean };
}

export interface SequenceData {
  segmentLength: number;
  historyLength: number;
  scales: SequenceScale[];
}

const DEFAULT_BEAUTY = '/work/shared/data/recsys/beauty.txt';
const SEGMENT = 50;
const HISTORY = 20;

/** The collector, exposed for this process when node was not started with --expose-gc. */
function collector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
const gc = collector();

function heapBytes(): number {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Heap bytes per entry of a structure built by `make(i)` n times (kept alive until measured). */
function perEntry(n: number, make: (i: number) => unknown): number {
  const h0 = heapBytes();
  const keep = Array.from({ length: n }, (_, i) => make(i));
  const bytes = (heapBytes() - h0 - n * 8) / n;
  return keep.length === n ? Math.max(0, bytes) : 0;
}

function observeAll(model: OnlineSequenceModel, events: readonly MeridianEvent[]) {
  const micros = new Float64Array(events.length);
  const meter = cpuMeter();
  for (let i = 0; i < events.length; i++) {
    const t = nowMs();
    model.observe(events[i] as MeridianEvent);
    micros[i] = (nowMs() - t) * 1000;
  }
  const usage = meter.stop();
  let max = 0;
  for (const m of micros) if (m > max) max = m;
  return { cpuMicrosPerEvent: round((usage.processCpuSeconds * 1e6) / events.length), microsPerEvent: rounded(percentiles(micros)), maxMicros: round(max) };
}

function scoreSample(model: OnlineSequenceModel, keys: readonly string[], n: number, seed: number): SequenceScale['score'] {
  const rng = createRng(seed);
  const sample = Array.from({ length: Math.min(2000, keys.length) }, () => rng.pick(keys));
  // One pass to warm the code paths, then the measured one.
  for (const key of sample) model.score(key, n, new Set(model.history(key)));
  const micros = new Float64Array(sample.length);
  const lengths = new Float64Array(sample.length);
  let cpu = 0;
  for (let i = 0; i < sample.length; i++) {
    const key = sample[i] as string;
    const seen = new Set(model.history(key));
    lengths[i] = seen.size;
    const c0 = process.cpuUsage();
    const t = nowMs();
    model.score(key, n, seen);
    micros[i] = (nowMs() - t) * 1000;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
  }
  return { requests: sample.length, n, cpuMicrosPerRequest: round(cpu / sample.length), micros: rounded(percentiles(micros)), historyLength: rounded(percentiles(lengths)) };
}

/**
 * Bytes of state: the whole model's heap, split into what each shopper owns (its stored segments,
 * its slots in the per-shopper arrays, its interned key and last event id) and the rest, which
 * grows with the items (co-occurrence and transition rows, postings, item arrays and names).
 */
function memory(model: OnlineSequenceModel, totalBytes: number, keys: readonly string[], events: number, withGc: boolean): SequenceScale['memory'] {
  const keyEntry = perEntry(20_000, (i) => `u:user-${String(i).padStart(6, '0')}`) + 24;
  // Stored sequences are blocks of shared pages: a shopper owns its blocks' slots and three ints of
  // bookkeeping per segment (address, length, capacity).
  let owned = 0;
  for (let id = 0; id < model.stats.sequenceCount(); id++) owned += 4 * (model.stats.sequenceCapacity(id) + 3);
  owned += keys.length * (4 * 4 + 8 + keyEntry + 24);
  const size = model.size();
  return {
    totalBytes: Math.round(totalBytes),
    bytesPerEvent: round(totalBytes / events),
    bytesPerShopper: round(owned / size.shoppers),
    bytesPerItem: round((totalBytes - owned) / size.items),
    measuredWithGc: withGc,
  };
}

async function measure(name: string, events: readonly MeridianEvent[], options: OnlineSequenceOptions, n: number, seed: number): Promise<SequenceScale> {
  const withGc = gc !== undefined;
  const uncappedModel = createOnlineSequence({ ...options, segmentLength: 1_000_000 });
  const uncapped = observeAll(uncappedModel, events);
  const h0 = heapBytes();
  const model = createOnlineSequence(options);
  const observe = observeAll(model, events);
  const totalBytes = heapBytes() - h0;
  const keys = new Set<string>();
  for (const e of events) {
    const k = e.user_id !== undefined ? `u:${e.user_id}` : e.session_id !== undefined ? `s:${e.session_id}` : undefined;
    if (k !== undefined && model.history(k).length > 0) keys.add(k);
  }
  const users = [...keys].filter((k) => k.startsWith('u:'));
  const list = users.length >= 100 ? users : [...keys];
  const size = model.size();
  return {
    name,
    shoppers: size.shoppers,
    items: size.items,
    events: size.events,
    observe,
    uncapped,
    score: scoreSample(model, list, n, seed),
    memory: memory(model, totalBytes, [...keys], events.length, withGc),
  };
}

/** Beauty's `user item…` lines as view events, one shopper after another, a second apart. */
async function beautyEvents(path: string): Promise<MeridianEvent[]> {
  const out: MeridianEvent[] = [];
  let t = Date.UTC(2026, 0, 1);
  for await (const u of readLineSequences(path)) {
    for (const item of u.items) {
      out.push({ id: `b${out.length}`, type: 'view', tenant: 'default', market: 'US', locale: 'en-US', user_id: u.user, item_id: String(item), ts: (t += 1000) });
    }
  }
  return out;
}

export async function runSequenceBench(opts: BenchOptions, beauty = DEFAULT_BEAUTY): Promise<SequenceData> {
  const options = { segmentLength: SEGMENT, historyLength: HISTORY };
  // A recommendation of k = 10 asks for 3k + 10 candidates.
  const n = 40;
  const size = opts.quick ? { items: 500, users: 100, events: 5_000 } : { items: 2_000, users: 300, events: 20_000 };
  const scales: SequenceScale[] = [];
  opts.log(`sequence: demo storefront, ${size.items} items, ${size.users} users, ${size.events} events`);
  const demo = storefront(opts.seed, size).traffic;
  scales.push(await measure('demo', demo, options, n, opts.seed));
  if (!opts.quick && existsSync(beauty)) {
    opts.log(`sequence: beauty, ${beauty}`);
    scales.push(await measure('beauty', await beautyEvents(beauty), options, n, opts.seed));
  } else if (!opts.quick) opts.log(`sequence: ${beauty} not found, beauty scale skipped`);
  return { segmentLength: SEGMENT, historyLength: HISTORY, scales };
}

function figures(d: SequenceData): Figure[] {
  return d.scales.flatMap((s) => [
    {
      key: `sequence.${s.name}.observe_cpu_us`,
      label: `sequence model, µs CPU per event (${s.name})`,
      value: s.observe.cpuMicrosPerEvent,
      unit: 'µs',
      target: { op: '<=', value: 50 },
      note: `p99 ${s.observe.microsPerEvent.p99} µs, max ${s.observe.maxMicros} µs wall over ${s.events} events; without the ${d.segmentLength}-item segment cap ${s.uncapped.cpuMicrosPerEvent} µs, max ${s.uncapped.maxMicros} µs`,
    },
    {
      key: `sequence.${s.name}.score_cpu_us`,
      label: `sequence model, µs CPU per request (${s.name})`,
      value: s.score.cpuMicrosPerRequest,
      unit: 'µs',
      note: `the ${s.score.n} best for a logged-in shopper, history excluded; p50 ${s.score.micros.p50} µs, p99 ${s.score.micros.p99} µs wall over ${s.score.requests} shoppers (history p50 ${s.score.historyLength.p50} items)`,
    },
    {
      key: `sequence.${s.name}.bytes_per_shopper`,
      label: `sequence model, bytes per shopper (${s.name})`,
      value: s.memory.bytesPerShopper,
      unit: 'B',
      note: `${s.memory.bytesPerItem} B per item, ${s.memory.bytesPerEvent} B per event, ${Math.round(s.memory.totalBytes / 2 ** 20)} MiB in all (${s.shoppers} shoppers, ${s.items} items)${s.memory.measuredWithGc ? '' : '; measured without a collection first'}`,
    },
  ]);
}

export const runSequence: Section = async (opts) => {
  const data = await runSequenceBench(opts);
  return { figures: figures(data), data };
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--beauty');
  const opts: BenchOptions = { quick: argv.includes('--quick'), seed: 42, log: (line) => process.stderr.write(`${line}\n`) };
  const data = await runSequenceBench(opts, at >= 0 ? (argv[at + 1] ?? DEFAULT_BEAUTY) : DEFAULT_BEAUTY);
  for (const f of figures(data)) console.log(`${f.label}: ${f.value} ${f.unit}  (${f.note ?? ''})`);
  console.log(JSON.stringify(data, null, 2));
}
