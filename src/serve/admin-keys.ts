import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { ANY_TENANT, SCOPES, keyNotFound, keyView, type Access, type Keyring } from '../access/index.ts';
import { badRequest } from '../core/index.ts';
import { tenantFor } from './auth.ts';
import { ErrorBody } from './schemas.ts';

/*
 * The admin key API (admin scope). An operator's key (`*`) manages every tenant's keys; a tenant's
 * admin key manages its own tenant's only, and sees other tenants' keys as absent. Secrets are in
 * the answer to POST only; no route returns a hash.
 */

const KeyView = Type.Object(
  {
    id: Type.String(),
    tenant: Type.String(),
    scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s)))),
    name: Type.Optional(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

const Created = Type.Intersect([Type.Object({ key: Type.String({ description: 'the API key: shown this once, never again' }) }), KeyView]);

const CreateBody = Type.Object(
  {
    tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: `a tenant id, or "${ANY_TENANT}" (operator); default the caller's tenant` })),
    scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: SCOPES.length, uniqueItems: true }),
    name: Type.Optional(Type.String({ maxLength: 100 })),
    expiresIn: Type.Optional(Type.String({ pattern: '^\\d{1,9}(s|m|h|d)$', description: 'lifetime: 90s, 15m, 12h, 30d' })),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'or an instant (ISO 8601)' })),
  },
  { additionalProperties: false },
);
type CreateBody = Static<typeof CreateBody>;

const ListQuery = Type.Object({ tenant: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }, { additionalProperties: false });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30d` → ms. */
export function lifetimeMs(text: string): number {
  const m = /^(\d{1,9})(s|m|h|d)$/.exec(text);
  const ms = m === null ? NaN : Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  if (!(ms >= 1000)) throw badRequest('parameter_invalid', 'expiresIn: expected a lifetime of at least 1s like 90s, 15m, 12h or 30d', 'expiresIn');
  return ms;
}

function expiryOf(body: CreateBody): { expiresAt?: number; expiresInMs?: number } {
  if (body.expiresIn !== undefined && body.expiresAt !== undefined) {
    throw badRequest('parameter_invalid', 'expiresAt: give expiresIn or expiresAt, not both', 'expiresAt');
  }
  if (body.expiresIn !== undefined) return { expiresInMs: lifetimeMs(body.expiresIn) };
  if (body.expiresAt === undefined) return {};
  const t = Date.parse(body.expiresAt);
  if (!Number.isSafeInteger(t)) throw badRequest('parameter_invalid', 'expiresAt: expected an ISO 8601 instant', 'expiresAt');
  return { expiresAt: t };
}

/** Whether the caller may see and manage keys of `tenant`. */
const manages = (access: Access, tenant: string): boolean => access.tenant === ANY_TENANT || access.tenant === tenant;

export async function adminKeyRoutes(app: FastifyInstance, { keys }: { keys: Keyring }): Promise<void> {
  const admin = { scope: 'admin' as const };
  app.post<{ Body: CreateBody }>(
    '/v1/admin/keys',
    {
      config: admin,
      schema: {
        summary: 'Create an API key (the key is in this answer only)',
        tags: ['admin'],
        body: CreateBody,
        response: { 201: Created, '4xx': ErrorBody },
      },
    },
    async (req, reply) => {
      const tenant = tenantFor(req.access, req.body.tenant, ANY_TENANT);
      const { key, info } = await keys.create({ tenant, scopes: req.body.scopes, name: req.body.name, ...expiryOf(req.body) });
      return reply.status(201).send({ key, ...keyView(info) });
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/v1/admin/keys',
    {
      config: admin,
      schema: {
        summary: 'List API keys (ids and scopes, never the keys)',
        tags: ['admin'],
        querystring: ListQuery,
        response: { 200: Type.Object({ keys: Type.Array(KeyView) }), '4xx': ErrorBody },
      },
    },
    async (req) => {
      const tenant = req.access.tenant === ANY_TENANT ? req.query.tenant : tenantFor(req.access, req.query.tenant, req.access.tenant);
      return { keys: (await keys.list(tenant)).map(keyView) };
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/v1/admin/keys/:id',
    {
      config: admin,
      schema: {
        summary: 'Revoke an API key: every replica refuses it within a second',
        tags: ['admin'],
        params: IdParams,
        response: { 204: Type.Null(), '4xx': ErrorBody },
      },
    },
    async (req, reply) => {
      const info = await keys.info(req.params.id);
      if (info === undefined || !manages(req.access, info.tenant) || !(await keys.revoke(info.id))) throw keyNotFound(req.params.id);
      return reply.status(204).send();
    },
  );
}
