import type { ShopperEventType } from '../ingest/index.ts';

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
