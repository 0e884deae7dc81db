import { addScaled, badRequest, foldText, hash32, MeridianError, norm, normalizedCopy, normalizeInPlace, tokenize } from '../../core/index.ts';
import { createVectorArena } from '../../core/index.ts';
import type { ShopperEventType } from '../../ingest/index.ts';

/**
 * The user encoder, applied online for every shopper event. It must be cheap (microseconds) and its
 * state small (a few hundred bytes). The default is a time-decayed, type-weighted mix of item vectors;
 * a learned sequence encoder from the model registry replaces it behind this interface.
 */
export interface UserEncoder {
  readonly name: string;
  readonly dim: number;
  /**
   * The new state after the shopper interacted with an item. `state` is the previous state (or
   * undefined for a new shopper) and is not modified; `dtMs` is the event time since the previous event.
   */
  step(state: Float32Array | undefined, item: Float32Array, type: ShopperEventType, dtMs: number): Float32Array;
  /** The query vector for the index, from a state (unit length). */
  query(state: Float32Array): Float32Array;
}

/** Maps an item's content to a vector in the item space: what makes a new item recommendable at once. */
export interface ContentEncoder {
  readonly name: string;
  readonly dim: number;
  encode(item: {
    titles: Record<string, string>;
    descriptions?: Record<string, string>;
    category: string;
    brand?: string | undefined;
  }): Float32Array;
}

const checkDim = (dim: number): void => {
  if (!Number.isInteger(dim) || dim < 1) throw badRequest('encoder_option_invalid', `dim must be an integer >= 1, got ${dim}`, 'dim');
};

/** How much each part of an item's content counts in its vector (each part is unit length first). */
export interface ContentWeights {
  title: number;
  description: number;
  category: number;
  brand: number;
}

export const DEFAULT_CONTENT_WEIGHTS: Readonly<ContentWeights> = Object.freeze({ title: 1, description: 0.35, category: 2, brand: 0.6 });

/** Slots a category or brand is spread over, so one hash collision cannot hide it. */
const STRONG_SLOTS = 4;

/**
 * FNV-1a's low bits depend only on the low bits of the input, so it is finished with murmur3's
 * avalanche step before taking a bucket (low bits) and a sign (the top bit).
 */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addFeature(out: Float32Array, feature: string, w: number): void {
  const h = mix(hash32(feature));
  const i = h % out.length;
  out[i] = (out[i] as number) + (h >= 0x80000000 ? -w : w);
}

function addText(out: Float32Array, text: string, locale: string, grams: boolean): void {
  for (const token of tokenize(text, locale)) {
    addFeature(out, `w:${token}`, 1);
    if (!grams) continue;
    const padded = `#${token}#`;
    for (let i = 0; i + 3 <= padded.length; i++) addFeature(out, `g:${padded.slice(i, i + 3)}`, 0.5);
  }
}

/** "shoes > running" and "shoes/running" are paths: every prefix counts, so siblings share their parent. */
function addCategory(out: Float32Array, category: string): void {
  const parts = foldText(category).split(/\s*[/>|]\s*/).filter((p) => p.length > 0);
  let path = '';
  for (let d = 0; d < parts.length; d++) {
    path = d === 0 ? (parts[d] as string) : `${path}/${parts[d] as string}`;
    for (let s = 0; s < STRONG_SLOTS; s++) addFeature(out, `c${s}:${path}`, 1);
  }
}

function addBlock(out: Float32Array, block: Float32Array, w: number): void {
  const n = norm(block);
  if (n > 0 && w !== 0) addScaled(out, block, w / n);
  block.fill(0);
}

/**
 * The content encoder: signed feature hashing of title words and character 3-grams in every locale,
 * description words (weaker), and category and brand as strong features spread over several slots.
 * Items of one category end up much closer to each other than to other categories, which is what
 * lets a new item, and a new shopper's first clicks, find their neighbours.
 */
export function createHashedContentEncoder(
  { dim = 64, weights = {} }: { dim?: number; weights?: Partial<ContentWeights> } = {},
): ContentEncoder {
  checkDim(dim);
  const w = { ...DEFAULT_CONTENT_WEIGHTS, ...weights };
  for (const [k, v] of Object.entries(w)) {
    if (!Number.isFinite(v) || v < 0) throw badRequest('encoder_option_invalid', `weights.${k} must be >= 0, got ${v}`, `weights.${k}`);
  }
  return {
    name: `hashed-content-${dim}`,
    dim,
    encode(item) {
      const out = new Float32Array(dim);
      const block = new Float32Array(dim);
      for (const [locale, title] of Object.entries(item.titles)) addText(block, title, locale, true);
      addBlock(out, block, w.title);
      for (const [locale, text] of Object.entries(item.descriptions ?? {})) addText(block, text, locale, false);
      addBlock(out, block, w.description);
      addCategory(block, item.category);
      addBlock(out, block, w.category);
      if (item.brand !== undefined) {
        const brand = foldText(item.brand).trim();
        for (let s = 0; s < STRONG_SLOTS; s++) addFeature(block, `b${s}:${brand}`, 1);
        addBlock(out, block, w.brand);
      }
      return normalizeInPlace(out);
    },
  };
}

/** How much each event type pulls the shopper's vector towards the item (negative: away). */
export type EncoderWeights = Record<ShopperEventType, number>;

export const DEFAULT_ENCODER_WEIGHTS: Readonly<EncoderWeights> = Object.freeze({
  view: 1,
  click: 2,
  add_to_cart: 3,
  purchase: 4,
  review: 2,
  search: 1,
  remove_from_cart: -1,
});

/**
 * The default user encoder: state' = state · 2^(−dt/halfLife) + w(type) · item. The state is one
 * Float32Array of `dim` (256 bytes at 64), a step is one pass over it.
 */
export function createDecayMixEncoder({
  dim,
  halfLifeMs = 30 * 60_000,
  weights = {},
}: {
  dim: number;
  halfLifeMs?: number;
  weights?: Partial<EncoderWeights>;
}): UserEncoder {
  checkDim(dim);
  if (!Number.isFinite(halfLifeMs) || halfLifeMs <= 0) {
    throw badRequest('encoder_option_invalid', `halfLifeMs must be a positive number, got ${halfLifeMs}`, 'halfLifeMs');
  }
  const w: EncoderWeights = { ...DEFAULT_ENCODER_WEIGHTS, ...weights };
  for (const [k, v] of Object.entries(w)) {
    if (!Number.isFinite(v)) throw badRequest('encoder_option_invalid', `weights.${k} must be a finite number`, `weights.${k}`);
  }
  // Steps run once per event and their results are short-lived (the store copies what it keeps).
  const arena = createVectorArena();
  return {
    name: 'decay-mix',
    dim,
    step(state, item, type, dtMs) {
      if (item.length !== dim) {
        throw new MeridianError('encoder_dim_mismatch', `item vector has ${item.length} dimensions, the encoder ${dim}`);
      }
      const out = arena.alloc(dim);
      const wt = w[type];
      // A state of another size (an encoder swap) starts over instead of mixing two spaces.
      if (state === undefined || state.length !== dim) {
        for (let i = 0; i < dim; i++) out[i] = wt * (item[i] as number);
        return out;
      }
      const decay = dtMs > 0 ? Math.pow(2, -dtMs / halfLifeMs) : 1;
      for (let i = 0; i < dim; i++) out[i] = (state[i] as number) * decay + wt * (item[i] as number);
      return out;
    },
    query: (state) => normalizedCopy(state),
  };
}
