import { badRequest } from '../core/index.ts';

/** Weights of shopper events in the per-market trending score. */
export interface TrendWeights {
  view: number;
  click: number;
  add_to_cart: number;
  purchase: number;
}

/** Limits and windows of the features; every one has a default. */
export interface FeatureOptions {
  /** Most interactions kept in a shopper's recent history. */
  recentMax: number;
  /** Most items kept in a shopper's purchase list. */
  purchasedMax: number;
  trendWeights: TrendWeights;
  /** Half-life of trending popularity. */
  trendHalfLifeMs: number;
  /** Most neighbours kept per item and relation. */
  coocMax: number;
  /** Viewed together: how far back in the shopper's history a co-view counts. */
  viewWindowMs: number;
  /** Viewed together: how many distinct recent items the new one is paired with. */
  viewLookback: number;
  /** Bought together: how far back earlier purchases and cart adds count. */
  buyWindowMs: number;
  /** Bought together: how many distinct earlier items a purchase is paired with. */
  buyLookback: number;
  /** Most clicked items kept per query token. */
  queryClickMax: number;
  /** Most distinct tokens of one query that get a click (long queries are mostly noise). */
  queryTokensMax: number;
}

export type FeatureConfig = Readonly<FeatureOptions & { trendWeights: Readonly<TrendWeights> }>;

export const DEFAULT_FEATURE_OPTIONS: FeatureConfig = Object.freeze({
  recentMax: 50,
  purchasedMax: 100,
  trendWeights: Object.freeze({ view: 1, click: 2, add_to_cart: 3, purchase: 5 }),
  trendHalfLifeMs: 24 * 3_600_000,
  coocMax: 50,
  viewWindowMs: 3_600_000,
  viewLookback: 3,
  buyWindowMs: 7 * 86_400_000,
  buyLookback: 10,
  queryClickMax: 100,
  queryTokensMax: 16,
});

const INT_KEYS = ['recentMax', 'purchasedMax', 'coocMax', 'viewLookback', 'buyLookback', 'queryClickMax', 'queryTokensMax'] as const;
const MS_KEYS = ['trendHalfLifeMs', 'viewWindowMs', 'buyWindowMs'] as const;

/** Merges options over the defaults and validates them once; the result is frozen. */
export function createFeatureConfig(opts: Partial<FeatureOptions> = {}): FeatureConfig {
  const merged = {
    ...DEFAULT_FEATURE_OPTIONS,
    ...opts,
    trendWeights: Object.freeze({ ...DEFAULT_FEATURE_OPTIONS.trendWeights, ...opts.trendWeights }),
  };
  for (const k of INT_KEYS) {
    const v = merged[k];
    if (!Number.isInteger(v) || v < 1) throw badRequest('feature_option_invalid', `${k} must be an integer >= 1, got ${v}`, k);
  }
  for (const k of MS_KEYS) {
    const v = merged[k];
    if (!Number.isFinite(v) || v <= 0) throw badRequest('feature_option_invalid', `${k} must be a positive number of ms, got ${v}`, k);
  }
  for (const [k, v] of Object.entries(merged.trendWeights)) {
    if (!Number.isFinite(v) || v <= 0) {
      throw badRequest('feature_option_invalid', `trendWeights.${k} must be a positive number, got ${v}`, `trendWeights.${k}`);
    }
  }
  return Object.freeze(merged);
}
