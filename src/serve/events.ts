import type { FastifyInstance } from 'fastify';
import { ANY_TENANT, type Access } from '../access/index.ts';
import { MeridianError, badRequest } from '../core/index.ts';
import type { Engine } from '../engine/index.ts';
import { forbidden, tenantFor } from './auth.ts';
import { ingestBody, ingestResponse, type IngestResponse, type Limits } from './schemas.ts';

/**
 * POST /v1/events. The route schema documents the body but does not validate it: one bad event
 * must not fail its batch, so the raw array goes to the engine, which validates each event and
 * answers per event.
 */
export interface EventRoutesOptions {
  engine: Engine;
  limits: Limits;
}

/** The events of a body: a bare array or `{ events: [...] }`. */
function eventsOf(body: unknown): readonly unknown[] {
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && body !== null && Array.isArray((body as { events?: unknown }).events)) {
    return (body as { events: unknown[] }).events;
  }
  throw badRequest('body_invalid', 'events: expected a JSON array of events or {"events": [...]}', 'events');
}

const acceptAll = () => () => true;

const CATALOG_TYPES: ReadonlySet<unknown> = new Set(['item_upsert', 'item_delete']);

/**
 * Binds a batch to its key before validation: catalog events need the `catalog` scope, an event may
 * repeat its key's tenant but not name another (an operator's key may name any), and an event
 * without a tenant gets the key's. One event the key may not send refuses the whole batch, before
 * anything is accepted: it is the caller's key that is wrong, not that event's data.
 */
function bindToKey(raw: readonly unknown[], access: Access): void {
  const bound = access.tenant !== ANY_TENANT;
  const catalog = access.scopes.has('catalog');
  if (!bound && catalog) return;
  for (let i = 0; i < raw.length; i++) {
    const e = raw[i];
    if (typeof e !== 'object' || e === null || Array.isArray(e)) continue; // validation answers it
    const o = e as { type?: unknown; tenant?: unknown };
    if (!catalog && CATALOG_TYPES.has(o.type)) throw forbidden('catalog', `events[${i}].type`);
    if (!bound) continue;
    if (o.tenant === undefined) o.tenant = access.tenant;
    else if (typeof o.tenant === 'string') tenantFor(access, o.tenant, access.tenant, `events[${i}].tenant`);
  }
}

/**
 * Whether `body` nests arrays and objects deeper than `max`. Walked with a stack of its own, so a
 * body of 100k nested arrays (which JSON.parse takes) costs a loop, not a stack overflow later.
 */
export function nestsDeeperThan(body: unknown, max: number): boolean {
  const stack: unknown[] = [body];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const v = stack.pop();
    const depth = depths.pop() as number;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const inner of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof inner === 'object' && inner !== null) {
        stack.push(inner);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

export async function eventRoutes(app: FastifyInstance, { engine, limits }: EventRoutesOptions): Promise<void> {
  app.post(
    '/v1/events',
    {
      config: { scope: 'events' },
      schema: {
        summary: 'Send a batch of events',
        description:
          `Each event is validated on its own; rejected events are dead-lettered and reported in \`results\` ` +
          `while the rest are accepted. Limits: ${limits.batchEvents} events (413 batch_too_large), ` +
          `${limits.bodyBytes} bytes (413 body_too_large), ${limits.jsonDepth} levels of nesting (400 body_too_deep). ` +
          `Needs the events scope; item_upsert and item_delete need catalog too, and an event naming another tenant ` +
          `than the key's is refused (403 tenant_mismatch): one such event refuses the whole batch.`,
        tags: ['events'],
        body: ingestBody(limits),
        response: ingestResponse,
      },
      validatorCompiler: acceptAll,
    },
    async (req): Promise<IngestResponse> => {
      if (nestsDeeperThan(req.body, limits.jsonDepth)) {
        throw badRequest('body_too_deep', `events: the body nests arrays and objects deeper than ${limits.jsonDepth} levels`, 'events');
      }
      const raw = eventsOf(req.body);
      if (raw.length > limits.batchEvents) {
        throw new MeridianError('batch_too_large', `events: at most ${limits.batchEvents} events per batch, got ${raw.length}`, {
          statusCode: 413,
          field: 'events',
        });
      }
      bindToKey(raw, req.access);
      const results = raw.length === 0 ? [] : await engine.ingest(raw, 'http');
      let accepted = 0;
      let duplicates = 0;
      let rejected = 0;
      for (const r of results) {
        if (r.status === 'accepted') accepted++;
        else if (r.status === 'duplicate') duplicates++;
        else rejected++;
      }
      return { accepted, duplicates, rejected, results };
    },
  );
}
