import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { collectTrainingData } from '../../src/models/index.ts';
import { DEFAULT_TRAIN, trainModel, type SequentialMetrics } from '../../src/batch/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { createMemoryFeatureStore } from '../../src/feature-store/index.ts';
import { type EventUpdates } from '../../src/features/index.ts';
import { encodeVector } from '../../src/feature-store/memory/snapshot.ts';
import { encodeEvent, newScriptCall, redisKeys } from '../../src/feature-store/redis/encode.ts';
import { shopperKey, type MeridianEvent, type ShopperEventType } from '../../src/ingest/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder, type ContentEncoder, type UserEncoder } from '../../src/models/index.ts';
import { createModelRegistry, modelEncoders } from '../../src/registry/index.ts';
import { embeddedConfig, storefront } from '../harness/engine.ts';
import { cpuMeter, nowMs, percentiles, round, rounded, type Percentiles } from '../harness/stats.ts';
import type { BenchOptions, Figure, Section } from '../harness/types.ts';

/**
 * The online user encoder alone: what it costs per shopper event (`step`, as the online updater
 * calls it) and per recommendation (`query`), and what it keeps per shopper, at the engine's default
 * dimension and for a model trained here by `trainModel` (published to a temporary registry and
 * loaded back, as serving loads it), beside that model's hold-out quality on the same storefront.
 * Steps replay the storefront's traffic: each shopper's state, the item's vector, the event type and
 * the time since the shopper's previous event, the arguments the updater passes.
 */
export interface StateBytes {
  /** The state itself: the Float32Array's bytes plus the last event time it decays from (a float64). */
  logical: number;
  vectorBytes: number;
  /**
   * Heap and off-heap growth per shopper when the memory feature store holds the vector (its share
   * of an arena chunk plus the Float32Array object), measured against the same shoppers without one.
   * Null when the collector could not be called.
   */
  memoryStore: number | null;
  /** Redis store format (redis-encode.ts): the user hash's `v` (raw float32) and `ts` fields, names and values; Redis's own per-entry overhead not included. */
  redis: number;
  /** Snapshot format (snapshot.ts): the base64 vector and `lastTs` in the shopper's line. */
  snapshot: number;
}

export interface EncoderCost {
  /** What this row measures: the config's default encoder, the trained model, or a dimension of the sweep. */
  label: string;
  encoder: string;
  dim: number;
  steps: number;
  /** Per step, from blocks of STEP_BLOCK steps (a single step is too short to time alone). */
  stepMicros: Percentiles;
  /** CPU of the thread per step (all blocks). */
  stepCpuMicros: number;
  queries: number;
  queryMicros: Percentiles;
  state: StateBytes;
}

export interface EncoderQuality {
  /** Hold-out cases: each shopper's last item ranked among every item, the history excluded. */
  cases: number;
  /** The trained model: its user encoder over its item vectors. */
  model: SequentialMetrics;
  /** The same encoder over the built-in hashed content vectors (serving before any model). */
  builtIn: SequentialMetrics;
  popularity: SequentialMetrics;
}

export interface EncoderData {
  storefront: { items: number; users: number; events: number };
  /** The default encoder at the config's dimension, then the trained model's. */
  costs: EncoderCost[];
  /** The default encoder at other dimensions (cost grows linearly with the dimension). */
  sweep: EncoderCost[];
  trained: { available: boolean; note: string; version?: string; trainSeconds?: number; quality?: EncoderQuality };
}

const STEP_BLOCK = 1024;
const SWEEP_DIMS = [16, 32, 128, 256];

/** The traffic as the updater feeds the encoder: shopper slot, item row, type and time since the shopper's last event. */
interface Replay {
  shoppers: number;
  item: Int32Array;
  shopper: Int32Array;
  type: ShopperEventType[];
  dt: Float64Array;
}

function replayOf(traffic: readonly MeridianEvent[], rows: ReadonlyMap<string, number>): Replay {
  const slots = new Map<string, { slot: number; ts: number }>();
  const item: number[] = [];
  const shopper: number[] = [];
  const type: ShopperEventType[] = [];
  const dt: number[] = [];
  for (const e of traffic) {
    if (e.type === 'item_upsert' || e.type === 'item_delete') continue;
    const key = shopperKey(e);
    const id = e.type === 'search' ? e.clicked_item_id : e.item_id;
    const row = id === undefined ? undefined : rows.get(id);
    if (key === undefined || row === undefined) continue;
    const prev = slots.get(key);
    item.push(row);
    shopper.push(prev?.slot ?? slots.size);
    type.push(e.type);
    dt.push(prev === undefined ? 0 : e.ts - prev.ts);
    slots.set(key, { slot: prev?.slot ?? slots.size, ts: e.ts });
  }
  return { shoppers: slots.size, item: Int32Array.from(item), shopper: Int32Array.from(shopper), type, dt: Float64Array.from(dt) };
}

/** The collector, when the flag can still be set at run time; undefined otherwise. */
function collector(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Live heap and off-heap bytes once the collector settled: array buffers are freed by a concurrent
 * sweeper after a collection, so collect until two readings agree.
 */
async function usedBytes(gc: () => void): Promise<number> {
  let last = Number.NaN;
  for (let i = 0; i < 20; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    const m = process.memoryUsage();
    const now = m.heapUsed + m.external;
    if (Math.abs(now - last) < 16_384) return now;
    last = now;
  }
  return last;
}

/**
 * Bytes per shopper that holding the vector adds to the memory feature store: the same shoppers
 * with and without a vector, the median of three pairs.
 */
async function memoryStoreBytes(dim: number, gc: (() => void) | undefined): Promise<number | null> {
  if (gc === undefined) return null;
  const shoppers = 20_000;
  const vector = new Float32Array(dim).fill(0.5);
  const fill = async (withVector: boolean): Promise<number> => {
    const before = await usedBytes(gc);
    const store = createMemoryFeatureStore({ logger: silentLogger });
    const batch: EventUpdates[] = [];
    for (let i = 0; i < shoppers; i++) {
      const user = `u:${i}`;
      const updates: EventUpdates['updates'] = [{ op: 'user.count', user, kind: 'view', ts: 1_750_000_000_000 + i }];
      if (withVector) updates.push({ op: 'user.vector', user, vector });
      batch.push({ eventId: `e${i}`, updates });
    }
    await store.apply(batch);
    batch.length = 0;
    const bytes = (await usedBytes(gc)) - before;
    await store.close();
    return bytes;
  };
  const pairs: number[] = [];
  for (let i = 0; i < 3; i++) {
    // Alternating which fill goes first, so a drift of the heap between the two does not bias one way.
    const first = await fill(i % 2 === 0);
    const second = await fill(i % 2 !== 0);
    pairs.push((i % 2 === 0 ? first - second : second - first) / shoppers);
  }
  pairs.sort((a, b) => a - b);
  return round(pairs[1] as number);
}

function encodedBytes(dim: number, lastTs: number): Pick<StateBytes, 'redis' | 'snapshot'> {
  const vector = new Float32Array(dim);
  const call = newScriptCall(redisKeys('bench', 'default'), { appliedIdTtlSeconds: 1, sessionTtlSeconds: 1, trendingMax: 1 });
  encodeEvent(redisKeys('bench', 'default'), call, {
    eventId: 'e',
    updates: [
      { op: 'user.count', user: 'u:1', kind: 'view', ts: lastTs },
      { op: 'user.vector', user: 'u:1', vector },
    ],
  });
  // The script stores the vector argument as the hash field `v` and the event time as `ts`.
  const v = call.args.find((a): a is Buffer => Buffer.isBuffer(a));
  const redis = 'v'.length + (v?.byteLength ?? 0) + 'ts'.length + String(lastTs).length;
  const snapshot = JSON.stringify({ vector: encodeVector(vector), lastTs }).length - '{}'.length;
  return { redis, snapshot };
}

function timeSteps(enc: UserEncoder, vectors: readonly Float32Array[], r: Replay, minSteps: number): Pick<EncoderCost, 'steps' | 'stepMicros' | 'stepCpuMicros'> & { states: Float32Array[] } {
  const states: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(r.shoppers);
  const n = r.item.length;
  const passes = Math.max(1, Math.ceil(minSteps / n));
  const blocks: number[] = [];
  const meter = cpuMeter();
  for (let p = 0; p < passes; p++) {
    for (let start = 0; start < n; start += STEP_BLOCK) {
      const end = Math.min(n, start + STEP_BLOCK);
      const t0 = nowMs();
      for (let i = start; i < end; i++) {
        const s = r.shopper[i] as number;
        const prev = states[s];
        const next = enc.step(prev, vectors[r.item[i] as number] as Float32Array, r.type[i] as ShopperEventType, r.dt[i] as number);
        // What the feature store does with the result: the shopper's stored state is overwritten in place.
        if (prev === undefined || prev.length !== next.length) states[s] = next.slice();
        else prev.set(next);
      }
      blocks.push(((nowMs() - t0) * 1000) / (end - start));
    }
  }
  const usage = meter.stop();
  const steps = passes * n;
  const cpu = usage.mainThreadCpuSeconds ?? usage.processCpuSeconds;
  return {
    steps,
    stepMicros: rounded(percentiles(blocks)),
    stepCpuMicros: round((cpu * 1e6) / steps),
    states: states.filter((s): s is Float32Array => s !== undefined),
  };
}

function timeQueries(enc: UserEncoder, states: readonly Float32Array[]): Pick<EncoderCost, 'queries' | 'queryMicros'> {
  const blocks: number[] = [];
  let sink = 0;
  for (let start = 0; start < states.length; start += STEP_BLOCK) {
    const end = Math.min(states.length, start + STEP_BLOCK);
    const t0 = nowMs();
    for (let i = start; i < end; i++) sink += enc.query(states[i] as Float32Array)[0] as number;
    blocks.push(((nowMs() - t0) * 1000) / (end - start));
  }
  if (Number.isNaN(sink)) blocks.push(NaN); // keeps the loop from being optimized away
  return { queries: states.length, queryMicros: rounded(percentiles(blocks)) };
}

interface Subject {
  label: string;
  encoder: UserEncoder;
  content: ContentEncoder;
}

async function measure(subject: Subject, catalog: readonly MeridianEvent[], traffic: readonly MeridianEvent[], opts: BenchOptions, gc: (() => void) | undefined): Promise<EncoderCost> {
  const { encoder, content } = subject;
  const rows = new Map<string, number>();
  const vectors: Float32Array[] = [];
  for (const e of catalog) {
    if (e.type !== 'item_upsert') continue;
    rows.set(e.item_id, vectors.length);
    vectors.push(content.encode(e));
  }
  const replay = replayOf(traffic, rows);
  // Before the steps: their garbage (a vector per step) would still be freed while this measures.
  const memoryStore = await memoryStoreBytes(encoder.dim, gc);
  const steps = timeSteps(encoder, vectors, replay, opts.quick ? 100_000 : 1_000_000);
  const queries = timeQueries(encoder, steps.states);
  const lastTs = traffic[traffic.length - 1]?.ts ?? 0;
  const vectorBytes = encoder.dim * Float32Array.BYTES_PER_ELEMENT;
  return {
    label: subject.label,
    encoder: encoder.name,
    dim: encoder.dim,
    steps: steps.steps,
    stepMicros: steps.stepMicros,
    stepCpuMicros: steps.stepCpuMicros,
    ...queries,
    state: { logical: vectorBytes + Float64Array.BYTES_PER_ELEMENT, vectorBytes, memoryStore, ...encodedBytes(encoder.dim, lastTs) },
  };
}

/** A model trained on the storefront, published to a temporary registry and loaded back as serving loads it. */
async function trainedSubject(events: readonly MeridianEvent[], opts: BenchOptions): Promise<{ subject: Subject; data: EncoderData['trained'] }> {
  const t0 = nowMs();
  const data = await collectTrainingData((async function* () {
    yield* events;
  })());
  // The trainer's defaults (dimension included); a quick run trains one epoch and skips the fine-tune.
  const epochs = opts.quick ? 1 : DEFAULT_TRAIN.epochs;
  const finetuneEpochs = opts.quick ? 0 : DEFAULT_TRAIN.finetuneEpochs;
  const artifact = await trainModel(data, { epochs, finetuneEpochs, evaluate: true, seed: opts.seed });
  const trainSeconds = round((nowMs() - t0) / 1000);
  const dir = await mkdtemp(join(tmpdir(), 'meridian-bench-encoder-'));
  try {
    const registry = createModelRegistry({ dir, logger: silentLogger });
    const manifest = await registry.publish(artifact);
    const enc = modelEncoders(await registry.load(manifest.version));
    const quality = (artifact.metrics as { holdout?: EncoderQuality }).holdout;
    return {
      subject: { label: `trained model (dim ${manifest.dim})`, encoder: enc.encoder, content: enc.content },
      data: {
        available: true,
        note: `trainModel on the storefront (${data.sequences.length} shoppers, ${data.itemIds.length} items), trainer defaults, ${epochs} epochs + ${finetuneEpochs} fine-tune, seed ${opts.seed}`,
        version: manifest.version,
        trainSeconds,
        ...(quality === undefined ? {} : { quality }),
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runEncoderBench(opts: BenchOptions): Promise<EncoderData> {
  const size = { items: 2_000, users: 2_000, events: 20_000 };
  const { catalog, traffic } = storefront(opts.seed, size);
  const items = [...catalog];
  const gc = collector();
  const dim = embeddedConfig().index.dim;
  const builtIn = (d: number, label: string): Subject => ({
    label,
    encoder: createDecayMixEncoder({ dim: d }),
    content: createHashedContentEncoder({ dim: d }),
  });
  opts.log(`encoder: ${traffic.length} shopper events over ${size.items} items, default dim ${dim}`);
  const costs = [await measure(builtIn(dim, `default encoder (config dim ${dim})`), items, traffic, opts, gc)];
  let trained: EncoderData['trained'];
  try {
    const t = await trainedSubject([...items, ...traffic], opts);
    trained = t.data;
    opts.log(`encoder: trained ${t.data.version ?? ''} in ${t.data.trainSeconds ?? '?'} s`);
    costs.push(await measure(t.subject, items, traffic, opts, gc));
  } catch (e) {
    // A failing trainer is a finding of this section; the default encoder's figures still stand.
    trained = { available: false, note: `trainer failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  const sweep: EncoderCost[] = [];
  for (const d of SWEEP_DIMS) if (d !== dim) sweep.push(await measure(builtIn(d, `default encoder, dim ${d}`), items, traffic, { ...opts, quick: true }, gc));
  return { storefront: size, costs, sweep, trained };
}

function figures(d: EncoderData): Figure[] {
  const out: Figure[] = [];
  for (const c of d.costs) {
    out.push(
      {
        key: `encoder.step_us.dim${c.dim}${c.label.startsWith('trained') ? '.trained' : ''}`,
        label: `online user encoder step, ${c.label}`,
        // The median block: a block the scheduler interrupted says little about the step.
        value: c.stepMicros.p50,
        unit: 'µs',
        note:
          `${c.encoder}; median of blocks of ${STEP_BLOCK} steps (mean ${c.stepMicros.mean}, p99 ${c.stepMicros.p99}), ` +
          `${c.stepCpuMicros} µs CPU per step; query ${c.queryMicros.p50} µs`,
      },
      {
        key: `encoder.state_bytes.dim${c.dim}${c.label.startsWith('trained') ? '.trained' : ''}`,
        label: `user encoder state per shopper, ${c.label}`,
        value: c.state.logical,
        unit: 'B',
        note: `${c.state.vectorBytes} B vector + 8 B last event time; memory store ${c.state.memoryStore ?? 'n/a'} B, Redis ${c.state.redis} B, snapshot ${c.state.snapshot} B`,
      },
    );
  }
  const q = d.trained.quality;
  if (q !== undefined) {
    out.push({
      key: 'encoder.holdout_ndcg10',
      label: 'trained encoder hold-out NDCG@10 (storefront)',
      value: round(q.model.ndcg10),
      unit: '',
      note: `HR@10 ${round(q.model.hr10)} over ${q.cases} shoppers; built-in vectors NDCG@10 ${round(q.builtIn.ndcg10)}, popularity ${round(q.popularity.ndcg10)}`,
    });
  } else if (!d.trained.available) {
    out.push({ key: 'encoder.holdout_ndcg10', label: 'trained encoder hold-out NDCG@10 (storefront)', value: null, unit: '', note: d.trained.note });
  }
  return out;
}

export const runEncoder: Section = async (opts) => {
  const data = await runEncoderBench(opts);
  return { figures: figures(data), data };
};
