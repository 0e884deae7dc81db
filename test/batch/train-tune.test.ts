import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, evaluateModel } from '../../src/batch/evaluate/evaluate.ts';
import { evaluateBlendWithLearned } from '../../src/batch/evaluate/learned.ts';
import { createLearnedScorer } from '../../src/batch/train/learned.ts';
import { collectTrainingData, linesTrainingData, type TrainingData } from '../../src/models/data.ts';
import { fitModel } from '../../src/batch/train/fit.ts';
import { DEFAULT_TRAIN, type TrainOptions } from '../../src/batch/train/options.ts';
import { trainModel } from '../../src/batch/train/train.ts';
import { validationSplit, type TuningMetrics } from '../../src/batch/train/tune.ts';
import type { ParamAxis } from '../../src/batch/evaluate/tune.ts';
import { silentLogger } from '../../src/core/index.ts';
import type { MeridianEvent } from '../../src/ingest/index.ts';
import { parseTrainFlags, runTrain } from '../../src/cli/train.ts';
import { createModelRegistry } from '../../src/registry/index.ts';
import { DEFAULT_PARAMS } from '../../src/models/sequence/index.ts';
import { createCatalog, createShoppers, createTraffic } from '../../src/simulate/index.ts';
import { tempDir } from '../support/helpers.ts';

const T0 = Date.UTC(2026, 5, 1);

async function* events(list: readonly unknown[]): AsyncGenerator<MeridianEvent> {
  for (const e of list) yield e as MeridianEvent;
}

async function simulated(seed: number, count: number): Promise<{ list: unknown[]; data: TrainingData }> {
  const catalog = createCatalog({ seed, items: 150, ts: T0 });
  const list = [...catalog, ...createTraffic({ seed, catalog, shoppers: createShoppers({ seed, users: 60 }), start: T0 + 3_600_000, events: count })];
  return { list, data: await collectTrainingData(events(list)) };
}

const SMALL: Partial<TrainOptions> = { dim: 16, epochs: 2, contentDim: 32, seed: 1, encoderFit: 'fixed', evaluate: false };

describe('the validation split of a training run', () => {
  it('makes a case of every shopper with three items or more, its last item held out; the others train whole', async () => {
    const data = await linesTrainingData((async function* () {
      yield { user: 'a', items: Int32Array.from([1, 2, 3, 4]) };
      yield { user: 'b', items: Int32Array.from([5, 6]) };
      yield { user: 'c', items: Int32Array.from([7, 8, 9]) };
    })());
    const split = validationSplit(data);
    expect(split.cases).toEqual([0, 2]);
    expect(split.train.map((s) => Array.from(s.items))).toEqual([[0, 1, 2], [4, 5], [6, 7]]);
    expect(split.train[0]?.types).toHaveLength(3);
  });
});

describe('training tunes the serving blend on validation', () => {
  it('publishes tuned parameters and a learned weight and cut whose validation objective is at least the defaults\'', async () => {
    const { data } = await simulated(8, 1500);
    const a = await trainModel(data, SMALL, {}, { logger: silentLogger });
    const t = a.metrics.tuning as TuningMetrics;
    expect(t.published).toBe('tuned');
    expect(t.tuned).toBeGreaterThanOrEqual(t.defaults);
    expect(a.sequence?.params).not.toEqual(DEFAULT_PARAMS);
    expect(a.blend?.learned).toEqual(t.learned);
    expect(t.learned.weight).toBeGreaterThan(0);
    expect([25, 50, 100, 200]).toContain(t.learned.cut);

    // Measured again here: the statistics and the vectors of the validation split, without the targets.
    const split = validationSplit(data);
    expect(t.cases).toBe(split.cases.length);
    const train = split.train.map((s) => Int32Array.from(s.items, (x) => x + 1));
    const cases = split.cases.map((i) => {
      const items = data.sequences[i]!.items;
      return { history: train[i]!, target: items[items.length - 1]! + 1, excluded: new Set(train[i]!), self: i };
    });
    const model = buildModel({ train, cases }, data.itemIds.length, DEFAULT_PARAMS);
    expect(evaluateModel(model, cases).sequential().ndcg10).toBeCloseTo(t.defaults, 12);
    const o: TrainOptions = { ...DEFAULT_TRAIN, ...SMALL };
    const f = await fitModel(split.train, data, o, {}, { evaluating: true });
    const vectors = new Float32Array(f.vectors.length + o.dim);
    vectors.set(f.vectors, o.dim);
    const scorer = createLearnedScorer({ vectors, dim: o.dim, halfLifeMs: f.encoder.halfLifeMs, weights: f.encoder.weights });
    const tuned = evaluateBlendWithLearned(model.withParams(a.sequence!.params), scorer, t.learned.weight, t.learned.cut, cases);
    expect(tuned.sequential().ndcg10).toBeCloseTo(t.tuned, 12);
    expect(tuned.sequential().ndcg10).toBeGreaterThan(t.defaults);
  }, 60_000);

  it('publishes the defaults (learned component off) when what the search found does worse on validation', async () => {
    const { data } = await simulated(8, 1500);
    // A search that may only pick poor values.
    const axes: ParamAxis[] = [
      { component: 'knn', key: 'decay', values: [0] },
      { component: 'neighbours', key: 'k', values: [1] },
      { component: 'neighbours', key: 'positionScale', values: [0.01] },
      { component: 'transitions', key: 'maxGap', values: [1] },
    ];
    const a = await trainModel(data, SMALL, {}, { axes, cuts: [1], logger: silentLogger });
    const t = a.metrics.tuning as TuningMetrics;
    expect(t.tuned).toBeLessThan(t.defaults);
    expect(t.published).toBe('defaults');
    expect(a.sequence?.params).toEqual(DEFAULT_PARAMS);
    expect(a.blend).toEqual({ learned: { weight: 0, cut: 1 } });
  });

  it('publishes no serving sections when no shopper has enough items to validate on', async () => {
    const data = await linesTrainingData((async function* () {
      for (let u = 0; u < 30; u++) yield { user: String(u), items: Int32Array.from([1 + (u % 5), 6 + (u % 4)]) };
    })());
    const a = await trainModel(data, { ...SMALL, finetuneEpochs: 0 }, {}, { logger: silentLogger });
    expect(a.sequence).toBeUndefined();
    expect(a.blend).toBeUndefined();
    expect(a.metrics).not.toHaveProperty('tuning');
  });

  it('rejects tuning options it cannot use', async () => {
    const { data } = await simulated(8, 300);
    await expect(trainModel(data, SMALL, {}, { tuneCases: 0 })).rejects.toMatchObject({ code: 'train_option_invalid', field: 'tuneCases' });
    await expect(trainModel(data, SMALL, {}, { cuts: [] })).rejects.toMatchObject({ code: 'train_option_invalid', field: 'cuts' });
  });
});

describe('meridian train and the serving blend', () => {
  it('parses --no-tune and --tune-cases', () => {
    expect(parseTrainFlags([])).toMatchObject({ tune: true, tuneCases: undefined });
    expect(parseTrainFlags(['--no-tune'])).toMatchObject({ tune: false });
    expect(parseTrainFlags(['--tune-cases', '500'])).toMatchObject({ tune: true, tuneCases: 500 });
    expect(() => parseTrainFlags(['--tune-cases', '0'])).toThrow(/--tune-cases/);
  });

  it('publishes the tuned blend by default, says so, and nothing of it with --no-tune', async () => {
    const { dir, cleanup } = await tempDir('meridian-train-tune-');
    try {
      const { list } = await simulated(8, 1500);
      const log = join(dir, 'events.ndjson');
      await writeFile(log, list.map((e) => JSON.stringify(e)).join('\n') + '\n');
      const registry = createModelRegistry({ dir: join(dir, 'models') });
      const progress: string[] = [];
      const out: string[] = [];
      const deps = { logger: silentLogger, env: {}, registry, progress: (l: string) => progress.push(l), out: (l: string) => out.push(l) };
      const flags = ['--log', log, '--epochs', '2', '--dim', '16', '--encoder', 'fixed', '--no-eval'];
      expect(await runTrain(flags, deps)).toBe(0);
      const tuned = await registry.load((await registry.active())!);
      expect(tuned.manifest.sequence?.params.weights).toBeDefined();
      expect(tuned.manifest.sequence?.params.neighbours.recencyScale).toBe(Infinity);
      expect(tuned.manifest.blend?.learned.cut).toBeGreaterThanOrEqual(1);
      const t = tuned.manifest.metrics.tuning as TuningMetrics;
      expect(t.tuned).toBeGreaterThanOrEqual(t.defaults);
      expect(tuned.manifest.config.tune).toEqual({ tuneCases: 2000, cuts: [25, 50, 100, 200] });
      expect(progress.some((l) => /serving blend tuned on \d+ validation cases.*NDCG@10 \d\.\d{4} tuned vs \d\.\d{4} defaults/.test(l))).toBe(true);
      expect(out[0]).toMatch(/serving blend on validation NDCG@10: tuned \d\.\d{4}, defaults \d\.\d{4} \(tuned published\)/);

      expect(await runTrain([...flags, '--no-tune'], deps)).toBe(0);
      const plain = await registry.load((await registry.active())!);
      expect(plain.manifest.version).not.toBe(tuned.manifest.version);
      expect(plain.manifest.sequence).toBeUndefined();
      expect(plain.manifest.blend).toBeUndefined();
      expect(plain.manifest.metrics).not.toHaveProperty('tuning');
      expect(out[1]).not.toMatch(/serving blend/);
    } finally {
      await cleanup();
    }
  }, 60_000);
});
