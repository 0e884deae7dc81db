import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitContentMap } from '../../src/models/encoders/content-map.ts';
import { trainItem2Vec, type EpochProgress } from '../../src/models/encoders/item2vec.ts';
import { parseAugment } from '../../src/models/encoders/augment.ts';
import { collectTrainingData, linesTrainingData, type ItemContent, type TrainingData } from '../../src/models/data.ts';
import { loadConfig } from '../../src/config/index.ts';
import { trainModel } from '../../src/batch/train/train.ts';
import { createRng, dot, normalizedCopy, silentLogger } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { trainOptions } from '../../src/main/index.ts';
import { parseTrainFlags, runTrain } from '../../src/cli/train.ts';
import { createHashedContentEncoder } from '../../src/models/index.ts';
import { applyContentMap, createModelRegistry } from '../../src/registry/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { tempDir, waitFor } from '../support/helpers.ts';

/** Two tastes: shoppers browse within one group of ten items. */
function clustered(seed: number, shoppers = 200, length = 8): Int32Array[] {
  const rng = createRng(seed);
  return Array.from({ length: shoppers }, (_, s) => Int32Array.from({ length }, () => (s % 2) * 10 + rng.int(10)));
}

const row = (v: Float32Array, i: number, dim: number): Float32Array => normalizedCopy(v.subarray(i * dim, (i + 1) * dim));

function meanCos(v: Float32Array, dim: number, pairs: [number, number][]): number {
  return pairs.reduce((s, [a, b]) => s + dot(row(v, a, dim), row(v, b, dim)), 0) / pairs.length;
}

async function* events(list: readonly unknown[]): AsyncGenerator<MeridianEvent> {
  for (const e of list) yield e as MeridianEvent;
}

describe('item2vec', () => {
  it('learns that items browsed together belong together, with a falling loss', async () => {
    const progress: EpochProgress[] = [];
    const r = await trainItem2Vec(clustered(1), 20, { dim: 16, epochs: 6, seed: 3 }, (p) => progress.push(p));
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((progress[5] as EpochProgress).loss).toBeLessThan((progress[0] as EpochProgress).loss);
    expect(progress[5]?.etaMs).toBe(0);
    const same: [number, number][] = [[0, 1], [2, 7], [11, 15], [13, 19]];
    const cross: [number, number][] = [[0, 11], [2, 17], [5, 15], [9, 10]];
    expect(meanCos(r.vectors, 16, same)).toBeGreaterThan(meanCos(r.vectors, 16, cross) + 0.3);
  });

  it('is deterministic for a seed', async () => {
    const a = await trainItem2Vec(clustered(2), 20, { dim: 8, epochs: 2, seed: 9 });
    const b = await trainItem2Vec(clustered(2), 20, { dim: 8, epochs: 2, seed: 9 });
    expect(Array.from(a.vectors)).toEqual(Array.from(b.vectors));
  });

  it('rejects bad options', async () => {
    await expect(trainItem2Vec([], 1, { dim: 0 })).rejects.toMatchObject({ code: 'train_option_invalid' });
  });
});

describe('content map', () => {
  it('recovers a linear map from content features to the item space', () => {
    const rng = createRng(4);
    const n = 200;
    const inDim = 6;
    const dim = 3;
    const a = Float32Array.from({ length: inDim * dim }, () => rng.normal());
    const x = Float32Array.from({ length: n * inDim }, () => rng.normal());
    const y = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) for (let i = 0; i < inDim; i++) y[r * dim + d] = (y[r * dim + d] as number) + (x[r * inDim + i] as number) * (a[i * dim + d] as number);
    const map = fitContentMap(x, y, { n, inDim, dim, lambda: 1e-3 });
    expect(map.length).toBe((inDim + 1) * dim);
    for (let k = 0; k < inDim * dim; k++) expect(map[k]).toBeCloseTo(a[k] as number, 2);
    const probe = x.subarray(0, inDim);
    expect(dot(applyContentMap(probe, map, dim), normalizedCopy(y.subarray(0, dim)))).toBeGreaterThan(0.999);
  });
});

describe('training data', () => {
  const base = { tenant: 'default', market: 'US', locale: 'en-US' };
  it('builds each shopper\'s sequence in event-time order, merging repeats and keeping the strongest type', async () => {
    const data = await collectTrainingData(events([
      { ...base, id: 'u1', type: 'item_upsert', ts: 1, item_id: 'a', titles: { en: 'A' }, category: 'x', prices: {}, available_in: ['US'] },
      { ...base, id: 'e1', type: 'view', ts: 10, user_id: 'alice', item_id: 'a' },
      { ...base, id: 'e2', type: 'add_to_cart', ts: 11, user_id: 'alice', item_id: 'a' },
      { ...base, id: 'e3', type: 'view', ts: 12, user_id: 'alice', item_id: 'b' },
      { ...base, id: 'e4', type: 'search', ts: 13, user_id: 'alice', query: 'b', results: 1 },
      { ...base, id: 'e5', type: 'click', ts: 14, session_id: 's9', item_id: 'b' },
      { ...base, tenant: 'other', id: 'e6', type: 'view', ts: 15, user_id: 'alice', item_id: 'c' },
    ]), { tenant: 'default' });
    expect(data.itemIds).toEqual(['a', 'b']);
    const alice = data.sequences.find((s) => s.key === 'default/u:alice');
    expect(Array.from(alice?.items ?? [])).toEqual([0, 1]);
    expect(alice?.types).toEqual(['add_to_cart', 'view']);
    expect(data.sequences.map((s) => s.key).sort()).toEqual(['default/s:s9', 'default/u:alice']);
    expect([...data.contents.keys()]).toEqual(['a']);
    expect(data.range).toEqual({ from: 1, to: 14, events: 6 });
  });
});

async function simulated(seed: number, count = 3000): Promise<{ list: unknown[]; data: TrainingData }> {
  const T0 = Date.UTC(2026, 5, 1);
  const catalog = createCatalog({ seed, items: 150, ts: T0 });
  const upserts = [...catalog];
  const traffic = [...createTraffic({ seed, catalog, shoppers: createShoppers({ seed, users: 60 }), start: T0 + 3_600_000, events: count })];
  const list = [...upserts, ...traffic];
  return { list, data: await collectTrainingData(events(list)) };
}

describe('trainModel', () => {
  it('publishes learned vectors of the items seen in behaviour, a content map and held-out metrics', async () => {
    const { data } = await simulated(7);
    const a = await trainModel(data, { dim: 16, epochs: 2, contentDim: 32, seed: 1 });
    expect(a.itemVectors.length).toBe(a.itemIds.length * 16);
    expect(a.itemIds.length).toBeGreaterThan(50);
    expect(a.weights['content-map']?.shape).toEqual([33, 16]);
    const holdout = a.metrics.holdout as { cases: number; model: { hr10: number }; popularity: { hr10: number } };
    expect(holdout.cases).toBeGreaterThan(10);
    for (const m of [holdout.model, holdout.popularity]) expect(m.hr10).toBeGreaterThanOrEqual(0);
    // Cold start: from content alone, the map lands near the learned vector of the same item.
    expect(a.metrics.contentFit).toBeGreaterThan(0.3);
    const hashed = createHashedContentEncoder({ dim: 32 });
    const map = a.weights['content-map']?.data as Float32Array;
    let cos = 0;
    a.itemIds.forEach((id, i) => (cos += dot(applyContentMap(hashed.encode(data.contents.get(id) as ItemContent), map, 16), row(a.itemVectors, i, 16))));
    expect(cos / a.itemIds.length).toBeCloseTo(a.metrics.contentFit as number, 4);
    expect(a.encoder).toEqual({ kind: 'decay-mix', halfLifeMs: 30 * 60_000, weights: { view: 1, click: 2, add_to_cart: 3, purchase: 4 } });
  }, 60_000);
});

describe('fine-tuning per market, with augmentation and adversarial training', () => {
  it('fine-tunes each market with enough purchase cases from the all-market vectors, and publishes its table', async () => {
    const { data } = await simulated(7);
    const phases = new Set<string>();
    const notes: string[] = [];
    const a = await trainModel(
      data,
      { dim: 16, epochs: 2, contentDim: 32, seed: 1, finetuneEpochs: 1, perMarket: true, minMarketCases: 30, augment: parseAugment('crop,mask'), adversarial: 0.1 },
      { onEpoch: (phase) => phases.add(phase), onNote: (phase, m) => notes.push(`${phase}: ${m}`) },
    );
    // Purchase cases per market in this simulation: FR 73, US 78, ES 33 (>= 30); DE 29, JP 25, GB 18, BR 14, none in MX and CA.
    expect(a.metrics.markets).toEqual(['FR', 'US', 'ES']);
    expect([...phases]).toEqual(expect.arrayContaining(['pretrain', 'fine-tune', 'market FR', 'market US', 'market ES', 'evaluate: market FR']));
    expect(notes).toContain('market DE: 29 target cases (< 30): keeps the all-market vectors');
    for (const m of ['fr', 'us', 'es']) {
      const w = a.weights[`market-${m}`];
      expect(w?.shape).toEqual([a.itemIds.length, 16]);
      expect(Array.from(w?.data ?? [])).not.toEqual(Array.from(a.itemVectors));
    }
    expect(a.weights['market-de']).toBeUndefined();
    const holdout = a.metrics.holdout as { perMarket?: { hr10: number } };
    expect(holdout.perMarket?.hr10).toBeGreaterThanOrEqual(0);
    expect((a.config.augment as { rates: object }).rates).toEqual({ crop: 0.6, mask: 0.3 });
  }, 60_000);

  it('falls back to every next item when the data has no purchases, and says so', async () => {
    const data = await linesTrainingData((async function* () {
      for (const [u, s] of clustered(3, 40).entries()) yield { user: String(u), items: s.map((x) => x + 1) };
    })());
    const notes: string[] = [];
    const a = await trainModel(data, { dim: 8, epochs: 1, contentDim: 16, finetuneEpochs: 1, evaluate: false }, { onNote: (phase, m) => notes.push(`${phase}: ${m}`) });
    expect(notes).toEqual(['fine-tune: no carts or purchases in the data: fine-tuning on every next item']);
    expect((a.metrics.losses as { finetune?: number }).finetune).toBeGreaterThan(0);
  });

  it('rejects options training cannot use, naming them', async () => {
    const { data } = await simulated(7, 300);
    await expect(trainModel(data, { finetuneOn: 'carts' as 'all' })).rejects.toThrow(/finetuneOn/);
    await expect(trainModel(data, { adversarial: -1 })).rejects.toThrow(/adversarial/);
    await expect(trainModel(data, { marketEpochs: 0 })).rejects.toMatchObject({ code: 'train_option_invalid' });
  });
});

describe('the user encoder fitted with tfjs', () => {
  it('learns its half-life and type weights by next-item prediction, lowering the loss, and names its backend', async () => {
    const { data } = await simulated(9, 2500);
    const backends: string[] = [];
    const a = await trainModel(data, { dim: 16, epochs: 2, contentDim: 32, encoderFit: 'tfjs', encoderSteps: 40, evaluate: false }, { onBackend: (b) => backends.push(b) });
    expect(backends).toHaveLength(1);
    expect(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']).toContain(backends[0]);
    const { before, after } = a.metrics.encoderLoss as { before: number; after: number };
    expect(after).toBeLessThan(before);
    const enc = a.encoder as unknown as { halfLifeMs: number; weights: Record<string, number> };
    expect(enc.halfLifeMs).toBeGreaterThan(0);
    expect(enc.halfLifeMs).not.toBe(30 * 60_000);
    expect(Object.keys(enc.weights).sort()).toEqual(['add_to_cart', 'click', 'purchase', 'view']);
  }, 120_000);
});

describe('meridian train', () => {
  it('parses its flags and rejects bad ones', () => {
    expect(parseTrainFlags([])).toMatchObject({ fromStore: true, every: undefined, evaluate: true, encoder: 'tfjs' });
    expect(() => parseTrainFlags(['--encoder', 'gru'])).toThrow(/tfjs or fixed/);
    expect(parseTrainFlags(['--log', 'a.ndjson', '--epochs', '3', '--every', '6h'])).toMatchObject({ fromStore: false, logs: ['a.ndjson'], epochs: 3, every: 6 * 3_600_000 });
    expect(() => parseTrainFlags(['--every', 'soon'])).toThrow(/--every/);
    expect(() => parseTrainFlags(['--from-store', '--log', 'x'])).toThrow(/one source/);
    expect(() => parseTrainFlags(['--bogus', '1'])).toThrow(/unknown flag/);
  });

  it('parses the fine-tuning, augmentation and adversarial flags into training options', () => {
    const f = parseTrainFlags(['--lines', 'x.txt', '--finetune', '3', '--finetune-on', 'all', '--per-market', '--market-epochs', '2', '--min-market-cases', '50', '--augment', 'crop=0.5,reorder', '--augment-copies', '2', '--adversarial', '0.2', '--adversarial-weight', '0.5', '--half-life', '10m']);
    const config = loadConfig({ env: {} });
    expect(trainOptions(config, f)).toMatchObject({
      finetuneEpochs: 3,
      finetuneOn: 'all',
      perMarket: true,
      marketEpochs: 2,
      minMarketCases: 50,
      augment: { rates: { crop: 0.5, reorder: 0.3 }, copies: 2 },
      adversarial: 0.2,
      adversarialWeight: 0.5,
      halfLifeMs: 600_000,
    });
    expect(trainOptions(config, parseTrainFlags([]))).not.toHaveProperty('augment');
    expect(() => parseTrainFlags(['--augment', 'shuffle'])).toThrow(/--augment.*unknown augmentation/);
    expect(() => parseTrainFlags(['--finetune-on', 'carts'])).toThrow(/purchases or all/);
    expect(() => parseTrainFlags(['--adversarial', '-1'])).toThrow(/--adversarial/);
    expect(() => parseTrainFlags(['--per-market', '--finetune', '0'])).toThrow(/--per-market/);
  });

  it('trains from an event log, publishes, activates, shows progress, and repeats with --every', async () => {
    const { dir, cleanup } = await tempDir('meridian-train-');
    try {
      const { list } = await simulated(8, 1500);
      const log = join(dir, 'events.ndjson');
      await writeFile(log, list.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const registry = createModelRegistry({ dir: join(dir, 'models') });
      const progress: string[] = [];
      const out: string[] = [];
      const controller = new AbortController();
      const run = runTrain(['--log', log, '--epochs', '2', '--dim', '16', '--every', '1s', '--encoder', 'fixed'], {
        logger: silentLogger,
        env: {},
        registry,
        progress: (l) => progress.push(l),
        out: (l) => out.push(l),
        signal: controller.signal,
      });
      await waitFor(async () => (await registry.list()).length >= 2, { timeoutMs: 30_000, what: 'two scheduled runs' });
      controller.abort();
      expect(await run).toBe(0);
      const versions = (await registry.list()).map((m) => m.version);
      expect(versions).toContain(await registry.active());
      expect(progress[0]).toMatch(/item2vec/);
      expect(progress.some((l) => /pretrain epoch 2\/2 loss \d+\.\d+ .*ETA/.test(l))).toBe(true);
      expect(out[0]).toMatch(/published and active.*HR@10/);
      const m = (await registry.list())[0];
      expect(m?.dataRange.events).toBe(list.length);
      expect(m?.dim).toBe(16);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
