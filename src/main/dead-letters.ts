import type { Config } from '../config/index.ts';
import { deadLetterRaw, type DeadLetter, type DeadLetterOptions, type DeadLetterSink } from '../dead-letters/index.ts';
import type { RejectedEvents } from '../event-store/index.ts';
import type { BusRecord } from '../bus/index.ts';
import { eventTimeBounds, eventTimeError, type EventTimeWindow } from '../ingest/index.ts';

/** The dead-letter reason of an event the event store refused (validation passed it, the store did not). */
export const STORE_REFUSED = 'store_refused';

/**
 * Events the event store refused, as dead letters: source `event-store`, reason `store_refused`,
 * the store's own words as the message, the event as `raw`. Stamped with `now`.
 */
export function deadLetterRefused(deadLetters: DeadLetterSink, now: () => number = Date.now): RejectedEvents {
  return (rejected) =>
    deadLetters.write(
      rejected.map(({ event, reason }) => ({
        source: 'event-store',
        reason: STORE_REFUSED,
        errors: [{ field: 'event', rule: 'store', message: reason }],
        raw: deadLetterRaw(event),
        at: now(),
      })),
    );
}

/** The dead-letter sink's rotation and redaction, from the `ingest` config section. */
export function deadLetterOptions(config: Readonly<Config>): DeadLetterOptions {
  const { deadLetterFileBytes, deadLetterFiles, deadLetterRedact } = config.ingest;
  return { rotation: { maxBytes: deadLetterFileBytes, keep: deadLetterFiles }, redact: deadLetterRedact };
}

/**
 * The records whose event time is inside `window` at `now`; the others are dead-lettered as the
 * API would have rejected them (`invalid_field`, naming `ts`). For consumers of a bus that other
 * producers write to directly (`meridian worker` on Kafka), so the window holds there too.
 */
export async function withinEventTime(
  records: readonly BusRecord[],
  window: Readonly<EventTimeWindow>,
  now: number,
  deadLetters: DeadLetterSink,
  source: string,
): Promise<readonly BusRecord[]> {
  const bounds = eventTimeBounds(window, now);
  let kept: BusRecord[] | undefined;
  const letters: DeadLetter[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as BusRecord;
    const error = eventTimeError(r.event.ts, bounds);
    if (error === undefined) {
      kept?.push(r);
      continue;
    }
    kept ??= records.slice(0, i);
    letters.push({ source, reason: 'invalid_field', errors: [error], raw: deadLetterRaw(r.event), position: r.offset, at: now });
  }
  if (letters.length > 0) await deadLetters.write(letters);
  return kept ?? records;
}
