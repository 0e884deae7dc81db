import type { FieldError } from '../ingest/index.ts';

/** Filters every list endpoint understands. */
export interface ListQuery {
  tenant: string;
  market: string;
  /** Title language; falls back to the market's language, then English, then any. */
  locale?: string | undefined;
  k: number;
  category?: string | undefined;
  priceMin?: number | undefined;
  priceMax?: number | undefined;
}

export type Exclusion = 'seen' | 'purchased';

export interface RecommendQuery extends ListQuery {
  user?: string | undefined;
  session?: string | undefined;
  exclude: readonly Exclusion[];
}

export interface SearchQuery extends ListQuery {
  q: string;
  user?: string | undefined;
  session?: string | undefined;
}

/** Why an item is in a list: a short, bounded code shown to clients. */
export type Reason =
  | 'personalized'
  | 'similar'
  | 'viewed_together'
  | 'bought_together'
  | 'trending'
  | 'session'
  | 'search'
  | 'search_personalized';

/** The one shape of every item list the API returns. */
export interface ItemView {
  id: string;
  title: string;
  category: string;
  brand?: string | undefined;
  price: { amount: number; currency: string };
  score: number;
  reason: Reason;
}

export interface ItemList {
  items: ItemView[];
  /** The model version that produced the list. */
  model: string;
}

export type IngestStatus = 'accepted' | 'duplicate' | 'rejected';

export interface IngestResult {
  index: number;
  id: string | undefined;
  status: IngestStatus;
  reason?: string;
  errors?: FieldError[];
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, boolean>;
}

/**
 * The engine as the API sees it. The composition root builds it from adapters; the HTTP layer only
 * translates requests into these calls.
 */
export interface Engine {
  /** Validates a batch, dead-letters the bad events and publishes the good ones. Resolves once the bus has them. */
  ingest(raw: readonly unknown[], source: string): Promise<IngestResult[]>;
  recommend(q: RecommendQuery): Promise<ItemList>;
  similar(itemId: string, q: ListQuery): Promise<ItemList>;
  boughtTogether(itemId: string, q: ListQuery): Promise<ItemList>;
  trending(q: ListQuery): Promise<ItemList>;
  search(q: SearchQuery): Promise<ItemList>;
  ready(): Promise<Readiness>;
  modelVersion(): string;
  close(): Promise<void>;
}
