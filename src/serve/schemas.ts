import { Type, type Static } from '@sinclair/typebox';
import { AnyEvent, Id, Locale, Market, Tenant, type LIMITS } from '../ingest/index.ts';

/**
 * TypeBox schemas of the HTTP API. They validate requests (ajv), serialize responses
 * (fast-json-stringify) and document the API (OpenAPI): one source for all three. Limits are
 * parameters, so a deployment with other limits gets matching validation and docs.
 */
export type Limits = Readonly<Record<keyof typeof LIMITS, number>>;

const EXCLUSIONS = '^((seen|purchased)(,(seen|purchased))*)?$';

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable machine-readable code, e.g. parameter_invalid' }),
      message: Type.String(),
      field: Type.Optional(Type.String({ description: 'the request field at fault, when there is one' })),
      requestId: Type.Optional(Type.String({ description: 'on a 5xx: the request id, to find the details in the log (the body has none)' })),
    }),
  },
  { description: 'every error has this shape' },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const ItemView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  category: Type.String(),
  brand: Type.Optional(Type.String()),
  price: Type.Object({ amount: Type.Number(), currency: Type.String() }),
  score: Type.Number(),
  reason: Type.String({
    description: 'why the item is listed: personalized, similar, viewed_together, bought_together, trending, session, search, search_personalized',
  }),
});

export const ItemList = Type.Object({
  items: Type.Array(ItemView),
  model: Type.String({ description: 'the model version that produced the list' }),
});

const errors = { '4xx': ErrorBody, '5xx': ErrorBody };

function listFilters(limits: Limits) {
  return {
    // No default here: the server's default tenant is filled in by the handler.
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: Tenant.pattern, description: 'tenant; the server default when absent' })),
    market: Market,
    locale: Type.Optional(Locale),
    k: Type.Integer({ minimum: 1, maximum: limits.maxK, default: 10, description: 'how many items' }),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    price_min: Type.Optional(Type.Number({ minimum: 0, description: 'in the market currency' })),
    price_max: Type.Optional(Type.Number({ minimum: 0, description: 'in the market currency; >= price_min' })),
  };
}

export function listQuery(limits: Limits) {
  return Type.Object(listFilters(limits));
}
export type ListQueryString = Static<ReturnType<typeof listQuery>>;

export function recommendQuery(limits: Limits) {
  return Type.Object({
    ...listFilters(limits),
    user: Type.Optional(Id),
    session: Type.Optional(Id),
    exclude: Type.String({
      pattern: EXCLUSIONS,
      default: 'seen,purchased',
      description: 'comma list of seen, purchased; empty to exclude nothing',
    }),
  });
}
export type RecommendQueryString = Static<ReturnType<typeof recommendQuery>>;

export function searchQuery(limits: Limits) {
  return Type.Object({
    ...listFilters(limits),
    q: Type.String({ minLength: 1, maxLength: limits.queryChars, description: 'the query, any language' }),
    user: Type.Optional(Id),
    session: Type.Optional(Id),
  });
}
export type SearchQueryString = Static<ReturnType<typeof searchQuery>>;

export const ItemParams = Type.Object({ id: Id });
export type ItemParams = Static<typeof ItemParams>;

export const listResponse = { 200: ItemList, ...errors };

export const IngestResponse = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  results: Type.Array(
    Type.Object({
      index: Type.Integer({ description: 'position in the batch' }),
      id: Type.Optional(Type.String()),
      status: Type.String({ description: 'accepted, duplicate or rejected' }),
      reason: Type.Optional(Type.String()),
      errors: Type.Optional(
        Type.Array(Type.Object({ field: Type.String(), rule: Type.String(), message: Type.String() })),
      ),
    }),
  ),
});
export type IngestResponse = Static<typeof IngestResponse>;

/** Documents the body; events are validated one by one by the engine, never by the route. */
export function ingestBody(limits: Limits) {
  const events = Type.Array(AnyEvent, { maxItems: limits.batchEvents });
  return Type.Union([events, Type.Object({ events })], {
    description: `a JSON array of events, or {"events": [...]}; at most ${limits.batchEvents} events and ${limits.bodyBytes} bytes`,
  });
}

export const ingestResponse = {
  200: { ...IngestResponse, description: 'always 200 once the batch is read, even when some events were rejected: see each result' },
  ...errors,
};

export const Health = Type.Object({ status: Type.String() });
export const Readiness = Type.Object({
  status: Type.String({ description: 'ok or unavailable' }),
  model: Type.String(),
  checks: Type.Record(Type.String(), Type.Boolean()),
});
