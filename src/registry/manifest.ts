import { createHash, randomBytes } from 'node:crypto';
import { badRequest } from '../core/index.ts';
import { float32ToBytes } from './files.ts';
import { checkBlend, decodeBlend, decodeSequence, encodeSequence } from './serving.ts';
import type { ModelArtifact, ModelManifest } from './types.ts';

/** `2026-11-29T01-30-00Z-1a2b3c4d`: sorts by time, safe in every file system. */
export const VERSION = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z-[0-9a-f]{8}$/;
const WEIGHT_NAME = /^[a-z][a-z0-9-]{0,40}$/;

/** Refuses an artifact that serving could not use, before anything is written. */
export function checkArtifact(m: ModelArtifact): void {
  if (!Number.isInteger(m.dim) || m.dim < 1) throw badRequest('model_invalid', `dim must be an integer >= 1, got ${m.dim}`, 'dim');
  if (m.itemVectors.length !== m.itemIds.length * m.dim) {
    throw badRequest('model_invalid', `itemVectors has ${m.itemVectors.length} floats, expected ${m.itemIds.length} × ${m.dim}`, 'itemVectors');
  }
  if (new Set(m.itemIds).size !== m.itemIds.length) throw badRequest('model_invalid', 'itemIds has duplicates', 'itemIds');
  for (const [name, w] of Object.entries(m.weights)) {
    if (!WEIGHT_NAME.test(name)) throw badRequest('model_invalid', `weight name "${name}" must match ${WEIGHT_NAME}`, 'weights');
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (size !== w.data.length) throw badRequest('model_invalid', `weight ${name} has ${w.data.length} floats, shape says ${size}`, 'weights');
  }
  if (m.sequence !== undefined) encodeSequence(m.sequence);
  if (m.blend !== undefined) checkBlend(m.blend);
}

/** A stored manifest, its optional serving sections validated (and Infinity restored). */
export function parseManifest(text: string, name: string): ModelManifest {
  const raw = JSON.parse(text) as Omit<ModelManifest, 'sequence' | 'blend'> & { sequence?: unknown; blend?: unknown };
  const { sequence, blend, ...rest } = raw;
  const version = typeof raw.version === 'string' ? raw.version : name;
  return {
    ...rest,
    ...(sequence === undefined ? {} : { sequence: decodeSequence(sequence, version) }),
    ...(blend === undefined ? {} : { blend: decodeBlend(blend, version) }),
  };
}

/** The manifest as written to disk: Infinity parameters as null (JSON has no Infinity). */
export function manifestJson(m: ModelManifest): string {
  const { sequence, ...rest } = m;
  return JSON.stringify(sequence === undefined ? rest : { ...rest, sequence: encodeSequence(sequence) }, null, 2);
}

/** A new version id: the time of `now` and a hash of the model's content. */
export function versionId(now: number, m: ModelArtifact): string {
  const h = createHash('sha256');
  h.update(float32ToBytes(m.itemVectors));
  h.update(JSON.stringify(m.itemIds));
  for (const w of Object.values(m.weights)) h.update(float32ToBytes(w.data));
  // Two runs on the same data in the same second still get distinct versions.
  h.update(randomBytes(8));
  const stamp = new Date(now).toISOString().slice(0, 19).replaceAll(':', '-');
  return `${stamp}Z-${h.digest('hex').slice(0, 8)}`;
}

/** The manifest of `model` published as `version`, its weights stored as `weights`. */
export function manifestOf(
  model: ModelArtifact,
  version: string,
  createdAt: string,
  code: ModelManifest['code'],
  weights: ModelManifest['weights'],
): ModelManifest {
  return {
    version,
    createdAt,
    dataRange: model.dataRange,
    metrics: model.metrics,
    config: model.config,
    code,
    dim: model.dim,
    encoder: model.encoder,
    content: model.content,
    items: model.itemIds.length,
    weights,
    ...(model.sequence === undefined ? {} : { sequence: { params: structuredClone(model.sequence.params) } }),
    ...(model.blend === undefined ? {} : { blend: { learned: { ...model.blend.learned } } }),
  };
}
