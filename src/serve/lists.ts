import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Access } from '../access/index.ts';
import { badRequest } from '../core/index.ts';
import type { Engine, Exclusion, ItemList, ListQuery } from '../engine/index.ts';
import { tenantFor } from './auth.ts';
import {
  ItemParams,
  listQuery,
  listResponse,
  recommendQuery,
  searchQuery,
  type Limits,
  type ListQueryString,
  type RecommendQueryString,
  type SearchQueryString,
} from './schemas.ts';

/** The item-list endpoints: each translates its query string into one Engine call. */
export interface ListRoutesOptions {
  engine: Engine;
  limits: Limits;
  tenantDefault: string;
}

/** The numeric filters: JSON Schema's integer and range checks let a coerced `1e400` (Infinity) through. */
const FINITE = ['k', 'price_min', 'price_max'] as const;

/**
 * Query-string filters → ListQuery; the rules JSON Schema cannot say (finite numbers, the price
 * range's order) are checked here.
 * The tenant is the key's: `tenant` may repeat it, and only an operator's key may name another.
 */
function toListQuery(qs: ListQueryString, access: Access, tenantDefault: string): ListQuery {
  for (const f of FINITE) {
    const v = qs[f];
    if (v !== undefined && !Number.isFinite(v)) throw badRequest('parameter_invalid', `${f}: must be a finite number`, f);
  }
  if (qs.price_min !== undefined && qs.price_max !== undefined && qs.price_min > qs.price_max) {
    throw badRequest('parameter_invalid', 'price_min: must be <= price_max', 'price_min');
  }
  return {
    tenant: tenantFor(access, qs.tenant, tenantDefault),
    market: qs.market,
    locale: qs.locale,
    k: qs.k,
    category: qs.category,
    priceMin: qs.price_min,
    priceMax: qs.price_max,
  };
}

const BOTH: readonly Exclusion[] = Object.freeze(['seen', 'purchased']);

function exclusions(s: string): readonly Exclusion[] {
  if (s === 'seen,purchased') return BOTH; // the default, on nearly every request
  const out: Exclusion[] = [];
  for (const part of s.split(',')) {
    if ((part === 'seen' || part === 'purchased') && !out.includes(part)) out.push(part);
  }
  return out;
}

/**
 * Serializes a list once per list object: a kept list is the same object on every request that
 * it answers, so its JSON is kept beside it (and goes when the list does).
 */
function bodies() {
  const kept = new WeakMap<ItemList, string>();
  return (reply: FastifyReply, list: ItemList): FastifyReply => {
    let body = kept.get(list);
    if (body === undefined) {
      // The route's response-schema serializer (the one Fastify would use) gives a string.
      const out = reply.serialize(list);
      body = typeof out === 'string' ? out : Buffer.from(out as ArrayBuffer).toString('utf8');
      kept.set(list, body);
    }
    return reply.type('application/json; charset=utf-8').send(body);
  };
}

type Send = ReturnType<typeof bodies>;

/** GET /v1/recommendations: for a user or a session, else the market's trending items. */
function recommendationRoute(app: FastifyInstance, { engine, limits, tenantDefault }: ListRoutesOptions, send: Send): void {
  app.get<{ Querystring: RecommendQueryString }>(
    '/v1/recommendations',
    {
      config: { scope: 'search' },
      schema: {
        summary: 'Recommendations for a shopper ("for you")',
        description: 'Personalized for `user` or `session`; without either, the market\'s trending items.',
        tags: ['recommendations'],
        querystring: recommendQuery(limits),
        response: listResponse,
      },
    },
    async (req, reply) => {
      const qs = req.query;
      const items = await engine.recommend({
        ...toListQuery(qs, req.access, tenantDefault),
        user: qs.user,
        session: qs.session,
        exclude: exclusions(qs.exclude),
      });
      return send(reply, items);
    },
  );
}

/** The lists about an item (similar, bought together) and a market's trending items. */
function itemListRoutes(app: FastifyInstance, { engine, limits, tenantDefault }: ListRoutesOptions, send: Send): void {
  const list = listQuery(limits);

  app.get<{ Params: ItemParams; Querystring: ListQueryString }>(
    '/v1/items/:id/similar',
    {
      config: { scope: 'search' },
      schema: {
        summary: 'Items similar to an item',
        tags: ['recommendations'],
        params: ItemParams,
        querystring: list,
        response: listResponse,
      },
    },
    async (req, reply) => send(reply, await engine.similar(req.params.id, toListQuery(req.query, req.access, tenantDefault))),
  );

  app.get<{ Params: ItemParams; Querystring: ListQueryString }>(
    '/v1/items/:id/bought-together',
    {
      config: { scope: 'search' },
      schema: {
        summary: 'Items often bought together with an item',
        tags: ['recommendations'],
        params: ItemParams,
        querystring: list,
        response: listResponse,
      },
    },
    async (req, reply) => send(reply, await engine.boughtTogether(req.params.id, toListQuery(req.query, req.access, tenantDefault))),
  );

  app.get<{ Querystring: ListQueryString }>(
    '/v1/trending',
    {
      config: { scope: 'search' },
      schema: {
        summary: 'Trending items in a market',
        tags: ['recommendations'],
        querystring: list,
        response: listResponse,
      },
    },
    async (req, reply) => send(reply, await engine.trending(toListQuery(req.query, req.access, tenantDefault))),
  );
}

/** GET /v1/search: lexical and vector, personalized when a shopper is given. */
function searchRoute(app: FastifyInstance, { engine, limits, tenantDefault }: ListRoutesOptions): void {
  app.get<{ Querystring: SearchQueryString }>(
    '/v1/search',
    {
      config: { scope: 'search' },
      schema: {
        summary: 'Search the catalog, personalized when a shopper is given',
        tags: ['search'],
        querystring: searchQuery(limits),
        response: listResponse,
      },
    },
    async (req) => {
      const qs = req.query;
      if (qs.q.trim() === '') throw badRequest('parameter_invalid', 'q: must not be blank', 'q');
      return engine.search({ ...toListQuery(qs, req.access, tenantDefault), q: qs.q, user: qs.user, session: qs.session });
    },
  );
}

export async function listRoutes(app: FastifyInstance, options: ListRoutesOptions): Promise<void> {
  const send = bodies();
  recommendationRoute(app, options, send);
  itemListRoutes(app, options, send);
  searchRoute(app, options);
}
