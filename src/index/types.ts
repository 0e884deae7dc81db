import type { Scored } from '../core/index.ts';

/**
 * Port: the vector index of item embeddings (inner product on unit vectors). Items are searchable
 * per market without a filter callback; deletes are immediate.
 */
export interface VectorIndex {
  readonly dim: number;
  /** Adds or replaces an item's vector and the markets where it may be returned. */
  upsert(id: string, vector: Float32Array, markets: readonly string[]): void;
  remove(id: string): void;
  has(id: string): boolean;
  vector(id: string): Float32Array | undefined;
  /**
   * The `k` items of `market` with the highest inner product with `query`, best first, skipping
   * ids for which `exclude` returns true (the index over-fetches to still return `k`).
   */
  search(market: string, query: Float32Array, k: number, exclude?: (id: string) => boolean): Scored[];
  size(market?: string): number;
  markets(): string[];
}

/** A document of the lexical index: every locale's title and description of an item. */
export interface LexicalDoc {
  id: string;
  texts: string[];
  markets: readonly string[];
}

/** Port: the lexical (BM25) index for search, Unicode-aware for every language. */
export interface LexicalIndex {
  upsert(doc: LexicalDoc): void;
  remove(id: string): void;
  search(market: string, query: string, k: number): Scored[];
  size(): number;
}
