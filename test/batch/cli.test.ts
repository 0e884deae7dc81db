import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.ts';
import { datasetName, type MultiSeedReport } from '../../src/batch/index.ts';
import { runEvaluate } from '../../src/cli/evaluate.ts';
import { tempDir } from '../support/helpers.ts';
import { chainSequences, writeLinesFile, writeSessionsDir } from './fixtures.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempDir('meridian-eval-')));
afterEach(async () => cleanup());

async function mkdirIn(parent: string, name: string): Promise<string> {
  const p = join(parent, name);
  await mkdir(p);
  return p;
}

function capture(): { write: (t: string) => void; text: () => string } {
  let buf = '';
  return { write: (t) => (buf += t), text: () => buf };
}

describe('meridian evaluate', () => {
  it('prints one JSON object with the engine, the baselines and the published rows', async () => {
    const path = await writeLinesFile(dir, 'beauty.txt', chainSequences({ users: 150, items: 50 }));
    const out = capture();
    await runEvaluate(['--data', path, '--format', 'lines', '--json', '--seed', '5', '--quick', '--tune-cases', '100', '--learned', 'none'], { logger: silentLogger, write: out.write });
    const r = JSON.parse(out.text()) as Record<string, unknown>;
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['dataset', 'protocol', 'engine', 'baselines', 'published', 'seed', 'trainSeconds']));
    expect(r.dataset).toBe('beauty');
    expect(r.seed).toBe(5);
    expect(Object.keys(r.engine as object).sort()).toEqual(['hr10', 'hr20', 'ndcg10', 'ndcg20']);
    expect(Object.keys(r.baselines as object).sort()).toEqual(['itemknn', 'itemknn+transitions', 'popularity', 'transitions']);
    expect((r.published as Record<string, Record<string, number>>).PopRec?.hr10).toBe(0.0152);
    expect(typeof r.trainSeconds).toBe('number');
  });

  it('evaluates sessions in percent and writes markdown and an SVG curve', async () => {
    const data = await writeSessionsDir(await mkdirIn(dir, 'diginetica'), chainSequences({ users: 200, items: 40, minLen: 2, maxLen: 6 }));
    const out = capture();
    const outDir = join(dir, 'report');
    const r = await runEvaluate(['--data', data, '--format', 'sessions', '--out', outDir, '--quick', '--tune-cases', '100'], { logger: silentLogger, write: out.write });
    expect(Object.keys(r.engine).sort()).toEqual(['mrr20', 'p20']);
    expect(r.engine.p20).toBeGreaterThan(r.baselines.popularity?.p20 ?? 100);
    expect(out.text()).toContain('engine');
    const name = datasetName(data, 'sessions');
    expect(name).toBe('diginetica');
    expect(r.published['GCE-GNN']).toEqual({ p20: 54.22, mrr20: 19.04 });
    const md = await readFile(join(outDir, `${name}-evaluation.md`), 'utf8');
    const [measured, published] = md.split('## Published (not measured here)');
    expect(measured).toContain('| engine |');
    expect(published).toContain('| SR-GNN | 50.73 | 17.59 |');
    expect(measured).not.toContain('| SR-GNN');
    const svg = await readFile(join(outDir, `${name}-training-curve.svg`), 'utf8');
    expect(svg).toMatch(/^<svg[^>]*>/);
    expect(svg).toContain('<polyline');
  });

  it('shows published rows apart from measured ones', async () => {
    const path = await writeLinesFile(dir, 'sports.txt', chainSequences({ users: 100, items: 30 }));
    const out = capture();
    await runEvaluate(['--data', path, '--format', 'lines', '--quick', '--tune-cases', '50', '--learned', 'none'], { logger: silentLogger, write: out.write });
    const lines = out.text().split('\n');
    const sep = lines.findIndex((l) => /^-+$/.test(l));
    expect(sep).toBeGreaterThan(0);
    expect(lines.slice(0, sep).every((l) => !l.includes('published'))).toBe(true);
    expect(lines.slice(sep + 1).filter((l) => l.includes('published'))).toHaveLength(3);
  });

  it('adds the learned component with its weight tuned on validation, and writes the ablation table', async () => {
    const path = await writeLinesFile(dir, 'beauty.txt', chainSequences({ users: 150, items: 50 }));
    const out = capture();
    const outDir = join(dir, 'report');
    const args = ['--data', path, '--format', 'lines', '--quick', '--tune-cases', '100', '--learned', 'pretrain,finetune', '--ablation', '--learned-encoder', 'fixed', '--out', outDir, '--json'];
    const r = await runEvaluate(args, { logger: silentLogger, write: out.write });
    const rows = r.learned?.rows ?? [];
    expect(rows.map((row) => row.parts)).toEqual([['pretrain'], ['pretrain', 'finetune']]);
    expect(r.statistics).toBeDefined();
    for (const row of rows) {
      expect(row.weight).toBeGreaterThanOrEqual(0);
      expect(row.validation).toBeGreaterThanOrEqual(r.learned?.statisticsValidation ?? Infinity);
      // Weight 0: nothing trained on the test split, the engine is the statistics alone.
      if (row.weight === 0) expect(row.test).toEqual(r.statistics);
      else expect(row.training.test?.cpuSeconds).toBeGreaterThan(0);
      expect(row.training.validation.cpuSeconds).toBeGreaterThan(0);
    }
    expect(r.engine).toEqual(rows[1]?.test);
    const md = await readFile(join(outDir, 'beauty-ablation.md'), 'utf8');
    expect(md).toContain('| statistics only (the engine without a learned component) | 1 |');
    expect(md).toContain('| + fine-tune | 1 |');
    expect(md).toContain(`meridian evaluate ${args.join(' ')}`);
    expect((JSON.parse(out.text()) as { learned: { rows: unknown[] } }).learned.rows).toHaveLength(2);
  }, 60_000);

  it('runs several seeds and reports their mean and spread', async () => {
    const path = await writeLinesFile(dir, 'sports.txt', chainSequences({ users: 120, items: 40 }));
    const out = capture();
    const r = (await runEvaluate(['--data', path, '--format', 'lines', '--quick', '--tune-cases', '80', '--seeds', '1,2', '--learned', 'none'], { logger: silentLogger, write: out.write })) as MultiSeedReport;
    expect(r.runs.map((x) => x.seed)).toEqual([1, 2]);
    expect(r.seeds.seeds).toEqual([1, 2]);
    const ndcg = r.runs.map((x) => x.engine.ndcg10 as number);
    expect(r.engine.ndcg10).toBeCloseTo((ndcg[0] as number) / 2 + (ndcg[1] as number) / 2, 10);
    expect(r.seeds.engine.ndcg10?.sd).toBeCloseTo(Math.abs((ndcg[0] as number) - (ndcg[1] as number)) / Math.SQRT2, 10);
    expect(out.text()).toMatch(/seeds 1, 2: engine NDCG@10 \d\.\d{4} ± \d\.\d{4}/);
  });

  it('rejects bad arguments with a clear error', async () => {
    const deps = { logger: silentLogger, write: () => undefined };
    await expect(runEvaluate(['--format', 'lines'], deps)).rejects.toMatchObject({ code: 'cli_flag_invalid' });
    await expect(runEvaluate(['--data', 'x', '--format', 'csv'], deps)).rejects.toMatchObject({ code: 'cli_flag_invalid' });
    await expect(runEvaluate(['--data', join(dir, 'missing.txt'), '--format', 'lines'], deps)).rejects.toMatchObject({ code: 'cli_flag_invalid' });
    await expect(runEvaluate(['--data', 'x', '--format', 'lines', '--learned', 'pretrain,gru'], deps)).rejects.toThrow(/unknown part "gru"/);
    await expect(runEvaluate(['--data', 'x', '--format', 'lines', '--learned', 'finetune'], deps)).rejects.toThrow(/starts with pretrain/);
    await expect(runEvaluate(['--data', 'x', '--format', 'lines', '--learned', 'none', '--ablation'], deps)).rejects.toThrow(/--ablation/);
    await expect(runEvaluate(['--data', 'x', '--format', 'lines', '--seeds', '1,x'], deps)).rejects.toThrow(/--seeds/);
    await expect(runEvaluate(['--data', 'x', '--format', 'lines', '--adversarial', '0'], deps)).rejects.toThrow(/--adversarial/);
  });
});
