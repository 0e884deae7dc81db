import type { FeatureStore } from '../features/index.ts';
import type { LexicalIndex, VectorIndex } from '../index/index.ts';

/** Everything the engine keeps for one tenant: its feature store namespace and its indexes. */
export interface TenantContext {
  readonly tenant: string;
  readonly store: FeatureStore;
  readonly vectors: VectorIndex;
  readonly lexical: LexicalIndex;
}

/** Tenants are created on first use from the configured adapters. */
export interface Tenants {
  get(tenant: string): Promise<TenantContext>;
  /** Tenants created so far. */
  list(): TenantContext[];
  close(): Promise<void>;
}
