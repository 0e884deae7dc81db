import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.ts';
import { createModelRegistry, type ModelArtifact, type ModelRegistry } from '../../src/registry/index.ts';
import { DEFAULT_PARAMS, type ModelParams } from '../../src/models/sequence/index.ts';
import { tempDir } from '../support/helpers.ts';

const DIM = 4;

function artifact(extra: Partial<ModelArtifact> = {}): ModelArtifact {
  return {
    dim: DIM,
    dataRange: { from: 1000, to: 2000, events: 42 },
    metrics: {},
    config: {},
    encoder: { kind: 'decay-mix', halfLifeMs: 60_000 },
    content: { kind: 'hashed-linear', inputDim: 2 },
    itemIds: ['a', 'b'],
    itemVectors: new Float32Array(2 * DIM).fill(0.5),
    weights: { 'content-map': { shape: [3, DIM], data: new Float32Array(3 * DIM).fill(0.1) } },
    ...extra,
  };
}

/** Tuned parameters that differ from the defaults everywhere it matters, recencyScale still Infinity. */
const TUNED: ModelParams = {
  ...DEFAULT_PARAMS,
  weights: { popularity: 0.01, knn: 2, transitions: 0.5, neighbours: 1.4, repeat: 0 },
  knn: { decay: 0.9 },
  neighbours: { ...DEFAULT_PARAMS.neighbours, k: 50, positionScale: 4 },
};

describe('the serving sections of a model manifest', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let registry: ModelRegistry;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('meridian-serving-'));
    registry = createModelRegistry({ dir, logger: silentLogger, code: () => ({ version: '0.1.0' }) });
  });
  afterEach(async () => cleanup());

  /** Rewrites a stored manifest through `edit` (what a damaged or hand-edited file looks like). */
  async function editManifest(version: string, edit: (m: Record<string, unknown>) => void): Promise<void> {
    const path = join(dir, version, 'manifest.json');
    const m = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    edit(m);
    await writeFile(path, JSON.stringify(m));
  }

  it('round-trips the tuned parameters and the learned blend, Infinity written as null', async () => {
    const published = await registry.publish(artifact({ sequence: { params: TUNED }, blend: { learned: { weight: 0.4, cut: 100 } } }));
    expect(published.sequence?.params).toEqual(TUNED);
    const onDisk = JSON.parse(await readFile(join(dir, published.version, 'manifest.json'), 'utf8')) as { sequence: { params: ModelParams } };
    expect(onDisk.sequence.params.neighbours.recencyScale).toBeNull();
    expect(onDisk.sequence.params.knn.decay).toBe(0.9);

    const loaded = await registry.load(published.version);
    expect(loaded.manifest.sequence?.params).toEqual(TUNED);
    expect(loaded.manifest.sequence?.params.neighbours.recencyScale).toBe(Infinity);
    expect(loaded.manifest.blend).toEqual({ learned: { weight: 0.4, cut: 100 } });
    expect((await registry.list())[0]?.sequence?.params.neighbours.recencyScale).toBe(Infinity);
  });

  it('a finite recencyScale stays a number; a version without the sections loads without them', async () => {
    const finite = { ...TUNED, neighbours: { ...TUNED.neighbours, recencyScale: 20_000 } };
    const a = await registry.publish(artifact({ sequence: { params: finite } }));
    expect((await registry.load(a.version)).manifest.sequence?.params.neighbours.recencyScale).toBe(20_000);
    expect((await registry.load(a.version)).manifest.blend).toBeUndefined();

    const plain = await registry.publish(artifact());
    const raw = JSON.parse(await readFile(join(dir, plain.version, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(raw).not.toHaveProperty('sequence');
    expect(raw).not.toHaveProperty('blend');
    const loaded = await registry.load(plain.version);
    expect(loaded.manifest.sequence).toBeUndefined();
    expect(loaded.manifest.blend).toBeUndefined();
    await registry.activate(plain.version);
    expect(await registry.active()).toBe(plain.version);
  });

  it('fails loading a damaged sequence or blend with model_corrupt, naming the field, and will not activate it', async () => {
    const cases: [(m: Record<string, unknown>) => void, string][] = [
      [(m) => ((m.sequence as { params: ModelParams }).params.neighbours.k = 'many' as unknown as number), 'sequence.params.neighbours.k'],
      [(m) => ((m.sequence as { params: Record<string, unknown> }).params.knn = { decay: 0.7, extra: 1 }), 'sequence.params.knn.extra'],
      [(m) => delete (m.sequence as { params: Record<string, unknown> }).params.transitions, 'sequence.params.transitions'],
      [(m) => (m.sequence = [1, 2]), 'sequence'],
      [(m) => ((m.blend as { learned: { cut: number } }).learned.cut = 0), 'blend.learned.cut'],
      [(m) => ((m.blend as { learned: { weight: unknown } }).learned.weight = null), 'blend.learned.weight'],
    ];
    for (const [edit, field] of cases) {
      const m = await registry.publish(artifact({ sequence: { params: TUNED }, blend: { learned: { weight: 0.4, cut: 100 } } }));
      await editManifest(m.version, edit);
      const err = await registry.load(m.version).then(() => undefined, (e: unknown) => e);
      expect(err, field).toMatchObject({ code: 'model_corrupt', field });
      expect((err as Error).message).toContain(field);
      await expect(registry.activate(m.version)).rejects.toMatchObject({ code: 'model_corrupt' });
    }
    // A weight the sequence model refuses is as damaged as a wrong type.
    const neg = await registry.publish(artifact({ sequence: { params: TUNED } }));
    await editManifest(neg.version, (m) => ((m.sequence as { params: ModelParams }).params.weights.knn = -1));
    await expect(registry.load(neg.version)).rejects.toMatchObject({ code: 'model_corrupt', field: 'sequence.params' });
    // The damaged versions are left out of the list; the others stay listed.
    const good = await registry.publish(artifact());
    expect((await registry.list()).map((v) => v.version)).toEqual([good.version]);
  });

  it('refuses to publish parameters JSON cannot carry or the model cannot use', async () => {
    const nan = { ...TUNED, knn: { decay: Number.NaN } };
    await expect(registry.publish(artifact({ sequence: { params: nan } }))).rejects.toMatchObject({ code: 'model_invalid', statusCode: 400 });
    const minus = { ...TUNED, neighbours: { ...TUNED.neighbours, recencyScale: -Infinity } };
    await expect(registry.publish(artifact({ sequence: { params: minus } }))).rejects.toThrow(/sequence\.params\.neighbours\.recencyScale/);
    await expect(registry.publish(artifact({ blend: { learned: { weight: 0.5, cut: 2.5 } } }))).rejects.toThrow(/blend\.learned\.cut/);
    expect(await registry.list()).toEqual([]);
  });
});
