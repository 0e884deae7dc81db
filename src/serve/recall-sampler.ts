import { createRng, dot, silentLogger, type Instrumentation, type Logger, type Rng } from '../core/index.ts';
import type { VectorIndex } from '../index/index.ts';

/** An index and the catalog it was built from: a tenant context fits as is. */
export interface RecallSource {
  readonly vectors: VectorIndex;
  readonly store: { allItems(): AsyncIterable<{ readonly id: string; readonly availableIn: readonly string[] }> };
}

export interface RecallSamplerOptions {
  /** What to sample, read at every sample (e.g. `() => tenants.list()`). */
  sources: () => readonly RecallSource[];
  instrumentation: Instrumentation;
  logger?: Logger;
  /** Recall@k. */
  k?: number;
  /** Queries per sample. */
  queries?: number;
  intervalMs?: number;
  seed?: number;
  /** Largest catalog sampled: exact search scans every item of a market once per query. */
  maxItems?: number;
  /**
   * The HNSW ef to search with, as the serving path does (recommendations and similar items pass
   * their own); absent, the index's own setting.
   */
  ef?: number;
  /** Longest run of work between two chances for requests to go first (the sample is background work). */
  sliceMs?: number;
}

export interface RecallSampler {
  /** Samples now: the mean recall@k, also emitted as `index.recall`; undefined when there is nothing to sample. */
  sample(): Promise<number | undefined>;
  /** Samples every `intervalMs` (the timer does not keep the process alive). */
  start(): void;
  /** Stops the timer and waits for a sample in flight. */
  stop(): Promise<void>;
}

/** The members of one market of one source: ids and the index's own (unit) vectors. */
interface Market {
  source: RecallSource;
  market: string;
  ids: string[];
  vectors: Float32Array[];
}

const check = (name: string, v: number, min: number): void => {
  if (!Number.isInteger(v) || v < min) throw new Error(`createRecallSampler: ${name} must be an integer >= ${min}, got ${v}`);
};

/** Items scanned between two looks at the clock. */
const SCAN_CHUNK = 256;

/**
 * The `k` best ids by inner product with `query`, skipping `skip`: a scan with a small sorted
 * buffer. A market of 20k items takes several milliseconds to scan, a stall every request then
 * waiting would see: the scan lets requests in every `sliceMs`.
 */
async function exactTopK(m: Market, query: Float32Array, k: number, skip: string, sliceMs: number): Promise<string[]> {
  const ids: string[] = [];
  const scores: number[] = [];
  let slice = performance.now();
  for (let i = 0; i < m.ids.length; i++) {
    if (i % SCAN_CHUNK === 0 && performance.now() - slice >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
    const id = m.ids[i] as string;
    if (id === skip) continue;
    const s = dot(query, m.vectors[i] as Float32Array);
    if (ids.length === k && s <= (scores[k - 1] as number)) continue;
    let at = Math.min(ids.length, k - 1);
    while (at > 0 && (scores[at - 1] as number) < s) at--;
    ids.splice(at, 0, id);
    scores.splice(at, 0, s);
    if (ids.length > k) {
      ids.pop();
      scores.pop();
    }
  }
  return ids;
}

/** The sampler's options, checked, and what one sample reads and keeps. */
interface Sampling {
  readonly sources: () => readonly RecallSource[];
  readonly instrumentation: Instrumentation;
  readonly logger: Logger;
  readonly k: number;
  readonly queries: number;
  readonly maxItems: number;
  readonly sliceMs: number;
  readonly searchOptions: { ef: number } | undefined;
  readonly rng: Rng;
  /** The catalog-too-large warning was logged (once per sampler). */
  warned: boolean;
}

/** Every market of every source, or undefined when a catalog is larger than `maxItems`. */
async function scan({ sources, maxItems, sliceMs }: Sampling): Promise<Market[] | undefined> {
  const out: Market[] = [];
  let seen = 0;
  let slice = performance.now();
  for (const source of sources()) {
    const byMarket = new Map<string, Market>();
    for await (const item of source.store.allItems()) {
      if (++seen > maxItems) return undefined;
      // A store's item iteration may never leave the microtask queue: let requests in every slice.
      if (seen % SCAN_CHUNK === 0 && performance.now() - slice >= sliceMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        slice = performance.now();
      }
      const v = source.vectors.vector(item.id);
      if (v === undefined) continue;
      for (const market of item.availableIn) {
        let m = byMarket.get(market);
        if (m === undefined) byMarket.set(market, (m = { source, market, ids: [], vectors: [] }));
        m.ids.push(item.id);
        m.vectors.push(v);
      }
    }
    for (const m of byMarket.values()) if (m.ids.length > 1) out.push(m);
  }
  return out;
}

/** A random (market, member) pair, uniform over every pair. */
function pick(rng: Rng, markets: readonly Market[], total: number): { m: Market; i: number } {
  let r = rng.int(total);
  for (const m of markets) {
    if (r < m.ids.length) return { m, i: r };
    r -= m.ids.length;
  }
  const last = markets[markets.length - 1] as Market;
  return { m: last, i: last.ids.length - 1 };
}

async function measure(s: Sampling): Promise<number | undefined> {
  const { k, queries, sliceMs, searchOptions } = s;
  const markets = await scan(s);
  if (markets === undefined) {
    if (!s.warned) s.logger.warn('recall sampling skipped: the catalog is larger than maxItems', { maxItems: s.maxItems });
    s.warned = true;
    return undefined;
  }
  const total = markets.reduce((n, m) => n + m.ids.length, 0);
  if (total === 0) return undefined;
  let sum = 0;
  for (let q = 0; q < queries; q++) {
    const { m, i } = pick(s.rng, markets, total);
    const id = m.ids[i] as string;
    const query = m.vectors[i] as Float32Array;
    const exact = await exactTopK(m, query, k, id, sliceMs);
    const found = new Set(m.source.vectors.search(m.market, query, k, (other) => other === id, searchOptions).map((h) => h.id));
    let hits = 0;
    for (const e of exact) if (found.has(e)) hits++;
    sum += hits / exact.length;
    // Exact search is a scan: let requests in between queries.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const recall = sum / queries;
  s.instrumentation.emit('index.recall', { recall, k, queries });
  return recall;
}

function checkedSampling({
  sources,
  instrumentation,
  logger = silentLogger,
  k = 10,
  queries = 16,
  intervalMs = 60_000,
  seed = 1,
  maxItems = 200_000,
  ef,
  sliceMs = 0.5,
}: RecallSamplerOptions): Sampling & { intervalMs: number } {
  check('k', k, 1);
  check('queries', queries, 1);
  check('intervalMs', intervalMs, 1);
  check('maxItems', maxItems, 1);
  if (ef !== undefined) check('ef', ef, 1);
  if (!(sliceMs > 0)) throw new Error(`createRecallSampler: sliceMs must be > 0, got ${sliceMs}`);
  const searchOptions = ef === undefined ? undefined : { ef };
  return { sources, instrumentation, logger, k, queries, maxItems, sliceMs, searchOptions, rng: createRng(seed), warned: false, intervalMs };
}

/**
 * The sampler's timers: early samples every few seconds until one has something to measure (a
 * fresh process may have no catalog yet), so the figure exists well before the first full
 * interval; then one every `intervalMs`. Neither timer keeps the process alive.
 */
class SampleTimers {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;

  constructor(
    private readonly sample: () => Promise<number | undefined>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    const run = (): void => {
      this.sample().catch((err: unknown) => this.logger.warn('recall sample failed', { err }));
    };
    const early = (): void => {
      this.first = undefined;
      this.sample().then(
        (r) => {
          if (r === undefined && this.timer !== undefined) this.arm(early);
        },
        (err: unknown) => this.logger.warn('recall sample failed', { err }),
      );
    };
    this.arm(early);
    this.timer = setInterval(run, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.first !== undefined) clearTimeout(this.first);
    this.timer = undefined;
    this.first = undefined;
  }

  private arm(early: () => void): void {
    this.first = setTimeout(early, Math.min(this.intervalMs, 2_000));
    this.first.unref();
  }
}

/**
 * Measures the recall of the vector index against exact search, as the serving path uses it: a
 * query is the vector of a random catalog item in one of its markets (the item itself excluded,
 * as for similar items), and recall is the share of the exact top k that the index returns. The
 * exact search reads the index's own vectors, so only the approximation is measured.
 */
export function createRecallSampler(options: RecallSamplerOptions): RecallSampler {
  const sampling = checkedSampling(options);
  let running: Promise<number | undefined> | undefined;
  const sample = (): Promise<number | undefined> => {
    running ??= measure(sampling).finally(() => (running = undefined));
    return running;
  };
  const timers = new SampleTimers(sample, sampling.intervalMs, sampling.logger);
  return {
    sample,
    start: () => timers.start(),
    async stop() {
      timers.stop();
      await running?.catch(() => undefined);
    },
  };
}
