import type { FastifyInstance } from 'fastify';
import { MeridianError, badRequest } from '../core/index.ts';
import type { Engine } from '../engine/index.ts';
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
      schema: {
        summary: 'Send a batch of events',
        description:
          `Each event is validated on its own; rejected events are dead-lettered and reported in \`results\` ` +
          `while the rest are accepted. Limits: ${limits.batchEvents} events (413 batch_too_large), ` +
          `${limits.bodyBytes} bytes (413 body_too_large), ${limits.jsonDepth} levels of nesting (400 body_too_deep).`,
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
