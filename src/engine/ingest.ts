import { MeridianError, unavailable, type Instrumentation } from '../core/index.ts';
import { DEFAULT_EVENT_TIME_WINDOW, LIMITS, eventTimeBounds, validateEvent, type EventTimeWindow, type MeridianEvent } from '../ingest/index.ts';
import { deadLetterRaw, type DeadLetter, type DeadLetterSink } from '../dead-letters/index.ts';
import { type EventBus } from '../bus/index.ts';
import type { Tenants } from '../online/index.ts';
import type { IngestResult } from './types.ts';

export interface IngestDeps {
  tenants: Tenants;
  bus: EventBus;
  deadLetters: DeadLetterSink;
  instrumentation: Instrumentation;
  /** Wall clock: the event-time window is measured from it, and dead letters are stamped with it. */
  now?: () => number;
  /** Event times accepted, relative to `now` (default 24 h ahead, nothing before 2000). */
  eventTime?: Readonly<EventTimeWindow>;
}

const typeOf = (raw: unknown): string => {
  const t = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof t === 'string' ? t : 'unknown';
};

/**
 * Validates a batch event by event: bad events are answered with their reasons and dead-lettered,
 * duplicates (already applied, or repeated in the batch) are answered as such, the rest published.
 */
export function createIngest(deps: IngestDeps) {
  const { tenants, bus, deadLetters, instrumentation } = deps;
  const now = deps.now ?? Date.now;
  const window = deps.eventTime ?? DEFAULT_EVENT_TIME_WINDOW;

  return async function ingest(raw: readonly unknown[], source: string): Promise<IngestResult[]> {
    if (raw.length > LIMITS.batchEvents) {
      throw new MeridianError('batch_too_large', `a batch holds at most ${LIMITS.batchEvents} events, got ${raw.length}`, {
        statusCode: 413,
        field: 'events',
      });
    }
    const results: IngestResult[] = [];
    const accepted: MeridianEvent[] = [];
    const letters: DeadLetter[] = [];
    const inBatch = new Set<string>();
    const bounds = eventTimeBounds(window, now());
    for (let index = 0; index < raw.length; index++) {
      const item = raw[index];
      const v = validateEvent(item, bounds);
      if (!v.ok) {
        results.push({ index, id: v.id, status: 'rejected', reason: v.reason, errors: v.errors });
        letters.push({ source, reason: v.reason, errors: v.errors, raw: deadLetterRaw(item), position: index, at: now() });
        instrumentation.emit('ingest.rejected', { reason: v.reason, type: typeOf(item), source });
        continue;
      }
      const e = v.event;
      const key = `${e.tenant}\u0000${e.id}`;
      if (inBatch.has(key) || (await (await tenants.get(e.tenant)).store.hasApplied(e.id))) {
        results.push({ index, id: e.id, status: 'duplicate' });
        continue;
      }
      inBatch.add(key);
      accepted.push(e);
      results.push({ index, id: e.id, status: 'accepted' });
    }
    if (letters.length > 0) await deadLetters.write(letters);
    if (accepted.length > 0) {
      try {
        await bus.publish(accepted);
      } catch (e) {
        if (e instanceof MeridianError) throw e;
        throw unavailable('bus_unavailable', 'the event bus did not take the events; retry', e);
      }
      for (const e of accepted) instrumentation.emit('ingest.accepted', { type: e.type, source });
    }
    return results;
  };
}
