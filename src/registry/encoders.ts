import { MeridianError, normalizeInPlace } from '../core/index.ts';
import { createDecayMixEncoder, createHashedContentEncoder, type ContentEncoder, type EncoderWeights, type UserEncoder } from '../models/index.ts';
import type { LoadedModel } from './types.ts';

/** The weight name of the content map: `(inputDim + 1) × dim`, the last row a bias. */
export const CONTENT_MAP = 'content-map';

/** `out = normalize(x · M[0..inDim) + M[inDim])`: hashed content features into the learned item space. */
export function applyContentMap(x: Float32Array, map: Float32Array, dim: number, out: Float32Array = new Float32Array(dim)): Float32Array {
  const inDim = x.length;
  const bias = inDim * dim;
  for (let d = 0; d < dim; d++) out[d] = map[bias + d] as number;
  for (let i = 0; i < inDim; i++) {
    const xi = x[i] as number;
    if (xi === 0) continue;
    const row = i * dim;
    for (let d = 0; d < dim; d++) out[d] = (out[d] as number) + xi * (map[row + d] as number);
  }
  return normalizeInPlace(out);
}

/** What serving needs of a model version. */
export interface ModelEncoders {
  version: string;
  /** Learned vector of a catalog item, when the model saw it in behaviour. */
  itemVector(id: string): Float32Array | undefined;
  /** Items the model knows get their learned vector; others the content map's (cold start). */
  content: ContentEncoder;
  encoder: UserEncoder;
}

type ContentInput = Parameters<ContentEncoder['encode']>[0];

/** The id of a catalog item or an item upsert event, which both reach `ContentEncoder.encode`. */
function idOf(item: ContentInput): string | undefined {
  const o = item as { id?: unknown; item_id?: unknown };
  const id = o.item_id ?? o.id;
  return typeof id === 'string' ? id : undefined;
}

/** Builds the encoders of a loaded version; fails clearly on a kind this code does not know. */
export function modelEncoders(model: LoadedModel): ModelEncoders {
  const { manifest, itemIds, itemVectors } = model;
  const dim = manifest.dim;
  const rows = new Map<string, Float32Array>();
  for (let i = 0; i < itemIds.length; i++) rows.set(itemIds[i] as string, itemVectors.subarray(i * dim, (i + 1) * dim));

  if (manifest.content.kind !== 'hashed-linear') throw new MeridianError('model_unsupported', `content encoder kind ${manifest.content.kind} is not supported`);
  const inputDim = Number(manifest.content.inputDim);
  const map = model.weights[CONTENT_MAP];
  if (map === undefined || map.data.length !== (inputDim + 1) * dim) throw new MeridianError('model_corrupt', `${manifest.version}: content map missing or of the wrong shape`);
  const hashed = createHashedContentEncoder({ dim: inputDim });
  const content: ContentEncoder = {
    name: `mapped-content-${manifest.version}`,
    dim,
    encode(item) {
      const id = idOf(item);
      const learned = id === undefined ? undefined : rows.get(id);
      // A copy: the index may keep what it is given, and the model's rows stay read-only.
      return learned !== undefined ? learned.slice() : applyContentMap(hashed.encode(item), map.data, dim);
    },
  };

  if (manifest.encoder.kind !== 'decay-mix') throw new MeridianError('model_unsupported', `user encoder kind ${manifest.encoder.kind} is not supported`);
  const enc = manifest.encoder as { halfLifeMs?: number; weights?: Partial<EncoderWeights> };
  const encoder = createDecayMixEncoder({ dim, halfLifeMs: enc.halfLifeMs, weights: enc.weights });
  return { version: manifest.version, itemVector: (id) => rows.get(id), content, encoder };
}
