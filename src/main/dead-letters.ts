import type { Config } from '../config/index.ts';
import { deadLetterRaw, type DeadLetterOptions, type DeadLetterSink } from '../dead-letters/index.ts';
import type { RejectedEvents } from '../event-store/index.ts';

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
