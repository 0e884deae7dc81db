import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/index.ts';
import { createModelRegistry, type ModelArtifact, type ModelRegistry } from '../../src/registry/index.ts';
import { tempDir, waitFor } from '../support/helpers.ts';

function artifact(seed: number, items = 3, dim = 4): ModelArtifact {
  const itemVectors = new Float32Array(items * dim).map((_, i) => seed + i / 10);
  return {
    dim,
    dataRange: { from: 1000, to: 2000, events: 42 },
    metrics: { hr10: 0.5 },
    config: { epochs: 1 },
    encoder: { kind: 'decay-mix', halfLifeMs: 60_000 },
    content: { kind: 'hashed-linear', inputDim: 2 },
    itemIds: Array.from({ length: items }, (_, i) => `i${seed}-${i}`),
    itemVectors,
    weights: { 'content-map': { shape: [2, dim], data: new Float32Array(2 * dim).fill(seed) } },
  };
}

describe('model registry', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let registry: ModelRegistry;
  let clock: number;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('meridian-registry-'));
    clock = Date.UTC(2026, 10, 29, 1, 30, 0);
    registry = createModelRegistry({ dir, logger: silentLogger, now: () => (clock += 1000), code: () => ({ version: '0.1.0', commit: 'abc' }) });
  });
  afterEach(async () => cleanup());

  it('publishes a version that loads back exactly, with its manifest', async () => {
    const m = await registry.publish(artifact(1));
    expect(m.version).toMatch(/^2026-11-29T01-30-0\dZ-[0-9a-f]{8}$/);
    expect(m).toMatchObject({ dim: 4, items: 3, dataRange: { from: 1000, to: 2000, events: 42 }, code: { version: '0.1.0', commit: 'abc' } });
    const loaded = await registry.load(m.version);
    expect(loaded.itemIds).toEqual(['i1-0', 'i1-1', 'i1-2']);
    expect(Array.from(loaded.itemVectors)).toEqual(Array.from(artifact(1).itemVectors));
    expect(loaded.weights['content-map']?.shape).toEqual([2, 4]);
    expect(await registry.active()).toBeUndefined();
    expect(await readdir(join(dir, m.version))).toEqual(expect.arrayContaining(['manifest.json', 'item-vectors.bin', 'item-ids.json', 'content-map.bin']));
  });

  it('lists versions oldest first, activates one and rolls back through the history', async () => {
    const a = await registry.publish(artifact(1));
    const b = await registry.publish(artifact(2));
    const c = await registry.publish(artifact(3));
    expect((await registry.list()).map((m) => m.version)).toEqual([a.version, b.version, c.version]);
    await registry.activate(a.version);
    await registry.activate(b.version);
    await registry.activate(c.version);
    expect(await registry.active()).toBe(c.version);
    expect(await registry.rollback()).toBe(b.version);
    expect(await registry.active()).toBe(b.version);
    expect(await registry.rollback()).toBe(a.version);
    await expect(registry.rollback()).rejects.toMatchObject({ code: 'model_previous_missing' });
    expect(await registry.active()).toBe(a.version);
  });

  it('refuses to activate a version it does not have, and an artifact whose sizes disagree', async () => {
    await expect(registry.activate('2026-01-01T00-00-00Z-00000000')).rejects.toMatchObject({ code: 'model_not_found' });
    await expect(registry.activate('../etc')).rejects.toMatchObject({ code: 'model_version_invalid' });
    await expect(registry.publish({ ...artifact(1), itemVectors: new Float32Array(5) })).rejects.toMatchObject({ code: 'model_invalid' });
  });

  it('ignores a version left half-written by a crash', async () => {
    const a = await registry.publish(artifact(1));
    // A crash mid-publish: a temporary directory, and a version-named one without a manifest.
    const half = '2026-11-29T09-00-00Z-deadbeef';
    await mkdir(join(dir, `.tmp-${half}`));
    await writeFile(join(dir, `.tmp-${half}`, 'item-ids.json'), '["x"]');
    await mkdir(join(dir, half));
    await writeFile(join(dir, half, 'item-vectors.bin'), Buffer.alloc(3));
    expect((await registry.list()).map((m) => m.version)).toEqual([a.version]);
    await expect(registry.activate(half)).rejects.toMatchObject({ code: 'model_not_found' });
    expect(await registry.active()).toBeUndefined();
  });

  it('watch reports each change of the active version once', async () => {
    const a = await registry.publish(artifact(1));
    const b = await registry.publish(artifact(2));
    const seen: (string | undefined)[] = [];
    const stop = registry.watch((v) => seen.push(v), { intervalMs: 10 });
    try {
      await registry.activate(a.version);
      await waitFor(() => seen.length === 1, { what: 'first change' });
      await registry.activate(b.version);
      await waitFor(() => seen.length === 2, { what: 'second change' });
      // Re-writing the same version is no change.
      await registry.activate(b.version);
      await registry.rollback();
      await waitFor(() => seen.length === 3, { what: 'rollback' });
      await new Promise((r) => setTimeout(r, 60));
      expect(seen).toEqual([a.version, b.version, a.version]);
    } finally {
      stop();
    }
    // A process that starts while a version is active hears of it once, at once.
    const late: (string | undefined)[] = [];
    const stopLate = registry.watch((v) => late.push(v), { intervalMs: 10 });
    try {
      await waitFor(() => late.length === 1, { what: 'the active version' });
      await new Promise((r) => setTimeout(r, 60));
      expect(late).toEqual([a.version]);
    } finally {
      stopLate();
    }
  });
});
