import { describe, expect, it } from 'vitest';
import { DEFAULT_LEARNED_EVAL } from '../../src/batch/index.ts';
import { parseEvaluateFlags } from '../../src/cli/evaluate.ts';
import { parseReplayFlags } from '../../src/cli/replay.ts';
import { parseSimulateFlags } from '../../src/cli/simulate.ts';
import { parseTrainFlags } from '../../src/cli/train.ts';
import { MARKETS } from '../../src/simulate/index.ts';

describe('the existing flags parse to the options they always gave', () => {
  it('train', () => {
    expect(parseTrainFlags([])).toEqual({
      fromStore: true, logs: [], lines: [], tenant: undefined, epochs: undefined, dim: undefined, seed: undefined, every: undefined,
      evaluate: true, encoder: 'tfjs', config: undefined, finetune: undefined, finetuneOn: undefined, perMarket: false,
      marketEpochs: undefined, minMarketCases: undefined, augment: undefined, adversarial: undefined, adversarialWeight: undefined,
      halfLife: undefined, tune: true, tuneCases: undefined,
    });
    expect(parseTrainFlags(['--log', 'a.ndjson', '--log', 'b.csv.gz', '--tenant', 't', '--epochs', '3', '--dim', '16', '--seed', '0', '--every', '6h', '--encoder', 'fixed', '--half-life', '10m', '--no-eval', '--no-tune', '--tune-cases', '50', '--config', 'c.json'])).toMatchObject({
      fromStore: false, logs: ['a.ndjson', 'b.csv.gz'], tenant: 't', epochs: 3, dim: 16, seed: 0, every: 21_600_000, encoder: 'fixed',
      halfLife: 600_000, evaluate: false, tune: false, tuneCases: 50, config: 'c.json',
    });
    expect(parseTrainFlags(['--lines', 'x.txt', '--augment', 'crop,mask=0.2', '--augment-copies', '2']).augment).toEqual({ rates: { crop: 0.6, mask: 0.2 }, copies: 2 });
  });

  it('replay', () => {
    expect(parseReplayFlags(['a.ndjson', 'b.csv'])).toEqual({ files: ['a.ndjson', 'b.csv'], fromStore: false, range: {}, speed: 0, batch: 1000, rejected: 'rejected.ndjson', config: undefined });
    expect(parseReplayFlags(['--from-store', '--from', '2026-01-01', '--to', '1767312000000', '--tenant', 't', '--speed', '60', '--batch', '500', '--rejected', 'r.ndjson', '--config', 'c.json'])).toEqual({
      files: [], fromStore: true, range: { from: Date.UTC(2026, 0, 1), to: 1_767_312_000_000, tenant: 't' }, speed: 60, batch: 500, rejected: 'r.ndjson', config: 'c.json',
    });
  });

  it('simulate', () => {
    expect(parseSimulateFlags(['--out', 'x.ndjson'])).toEqual({
      seed: 1, items: 2000, users: 500, events: 100_000, out: 'x.ndjson', url: undefined, bus: undefined, rate: 0, batch: 100,
      tenant: 'default', start: Date.UTC(2026, 0, 1), markets: MARKETS.map((m) => m.market), clock: 'sim', catalog: true,
    });
    expect(parseSimulateFlags(['--bus', 'kafka://h:9092', '--seed', '-3', '--events', '0', '--rate', '20', '--start', '5', '--clock', 'sim', '--no-catalog'])).toMatchObject({
      bus: 'kafka://h:9092', seed: -3, events: 0, rate: 20, start: 5, clock: 'sim', catalog: false,
    });
  });

  it('evaluate', () => {
    const argv = ['--data', 'beauty.txt', '--format', 'lines', '--seed', '5', '--quick', '--learned', 'none', '--json'];
    expect(parseEvaluateFlags(argv)).toEqual({
      data: 'beauty.txt', format: 'lines', json: true, out: undefined, tuneCases: 8000, quick: true, seeds: [5],
      learned: { ...DEFAULT_LEARNED_EVAL, parts: [], ablation: false, train: { ...DEFAULT_LEARNED_EVAL.train } },
      commandLine: `meridian evaluate ${argv.join(' ')}`,
    });
    const o = parseEvaluateFlags(['--data', 'd', '--format', 'sessions', '--seeds', '1,2', '--learned', 'pretrain,augment', '--ablation', '--learned-encoder', 'fixed', '--half-life', '3', '--adversarial', '0.2', '--augment', 'crop']);
    expect(o.seeds).toEqual([1, 2]);
    expect(o.learned).toMatchObject({ parts: ['pretrain', 'augment'], ablation: true, adversarial: 0.2, augment: { rates: { crop: 0.6 }, copies: 1 }, train: { encoderFit: 'fixed', halfLifeMs: 3000 } });
  });
});
