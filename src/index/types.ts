import type { Scored } from '../core/index.ts';

export interface VectorSearchOptions {
  /**
   * Size of the candidate list of an approximate index for this query (HNSW's ef; at least `k`
   * plus the over-fetch). Absent, the index's own setting. Exact indexes ignore it.
   */
  ef?: number;
  /**
   * Ids to leave out, as a set: the index then over-fetches by exactly as many of them as it holds
   * in the market, where an `exclude` callback needs a margin. Both may be given.
   */
  excluded?: ReadonlySet<string>;
}

/** An item for a bulk build: its vector and the markets where it may be returned. */
export interface VectorEntry {
  id: string;
  vector: Float32Array;
  markets: readonly string[];
}

/**
 * Port: the vector index of item embeddings (inner product on unit vectors). Items are searchable
 * per market without a filter callback; deletes are immediate.
 */
export interface VectorIndex {
  readonly dim: number;
  /** Adds or replaces an item's vector and the markets where it may be returned. */
  upsert(id: string, vector: Float32Array, markets: readonly string[]): void;
  /**
   * The same upsert, one market's insert per step (optional): a background rebuild can yield to
   * requests between markets, since an item in many markets is one graph insert each. The item is
   * complete once the iteration ends.
   */
  upsertSteps?(id: string, vector: Float32Array, markets: readonly string[]): Iterable<void>;
  /**
   * Room for `n` items in `market` up front (optional): growing a graph copies it, which blocks for
   * tens of milliseconds at ten thousand items, so a rebuild of a known size reserves it first.
   */
  reserve?(market: string, n: number): void;
  /**
   * Fills an empty index with `entries` off the serving thread (optional): a background rebuild of a
   * whole catalog then costs requests almost nothing. Rejects (leaving the index empty) when the
   * build fails; the caller may then upsert instead.
   */
  build?(entries: readonly VectorEntry[]): Promise<void>;
  remove(id: string): void;
  has(id: string): boolean;
  vector(id: string): Float32Array | undefined;
  /**
   * The `k` items of `market` with the highest inner product with `query`, best first, skipping
   * ids for which `exclude` returns true and those in `options.excluded` (the index over-fetches
   * to still return `k`).
   */
  search(market: string, query: Float32Array, k: number, exclude?: (id: string) => boolean, options?: VectorSearchOptions): Scored[];
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
