/**
 * What a key allows. `search`: recommendations, search, similar, trending (safe to ship in a
 * storefront page); `events`: shopper events; `catalog`: item_upsert, item_delete, review
 * moderation; `admin`: keys, tenants, models and metrics.
 */
export const SCOPES = ['search', 'events', 'catalog', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The tenant a key of every tenant (an operator's key) is bound to. */
export const ANY_TENANT = '*';

/** What the caller of one request is allowed: set on the request by serving's authentication. */
export interface Access {
  /** The key's id (never the secret); absent when authentication is off (loopback only). */
  readonly keyId?: string | undefined;
  /** The key's tenant, or ANY_TENANT for an operator's key. */
  readonly tenant: string;
  readonly scopes: ReadonlySet<Scope>;
}
