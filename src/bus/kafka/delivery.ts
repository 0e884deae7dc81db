import type { KafkaMessage, Message } from 'kafkajs';
import { isMeridianError, type Instrumentation, type Logger } from '../../core/index.ts';
import { APPLY_FAILED, deadLetterMessage, errorText, type KafkaDeadReason } from './messages.ts';
import type { BusHandler, BusRecord } from '../port.ts';

/** The work was given up: the consumer is closing or its partitions moved. Nothing is committed. */
export const ABANDONED = Symbol('abandoned');
type Outcome = undefined | typeof ABANDONED | { error: unknown };

/** A failure of the whole service behind the handler: waiting is right, dead-lettering is not. */
const isOutage = (e: unknown): boolean => isMeridianError(e) && e.retriable;

export interface DeliveryDeps {
  handler: BusHandler;
  topic: string;
  group: string;
  retries: number;
  retryBackoffMs: number;
  maxBackoffMs: number;
  /** Whether work of generation `at` is still this consumer's to do. */
  live: (at: number) => boolean;
  /** A wait that ends early when the consumer closes. */
  sleep: (ms: number) => Promise<void>;
  sendDeadLetters: (letters: Message[], reasons: KafkaDeadReason[]) => Promise<void>;
  logger: Logger;
  instrumentation: Instrumentation;
}

export type Deliver = (records: BusRecord[], messages: KafkaMessage[], at: number) => Promise<typeof ABANDONED | undefined>;

/**
 * Hands records to the handler. A call that keeps failing is retried with backoff `retries` times,
 * then split in halves, each tried once, until the failing events are alone; those are
 * dead-lettered (reason apply_failed), so a poison message never blocks its partition. A retriable
 * MeridianError is an outage, not poison: it is retried until it passes or the work is given up.
 */
export function createDelivery(deps: DeliveryDeps): Deliver {
  const { handler, topic, group, live, sleep, logger, instrumentation } = deps;
  const backoff = (n: number): number => Math.min(deps.maxBackoffMs, deps.retryBackoffMs * 2 ** Math.min(n, 20));

  /** One handler call with up to `retries` retries; an outage is retried until it ends. */
  async function attempt(records: BusRecord[], at: number, retries: number): Promise<Outcome> {
    for (let n = 0; ; n++) {
      if (!live(at)) return ABANDONED;
      try {
        await handler(records);
        return undefined;
      } catch (e) {
        const outage = isOutage(e);
        if (!outage && n >= retries) return { error: e };
        instrumentation.emit('kafka.retry', { group, outage });
        logger.warn('handler failed; retrying', { group, events: records.length, attempt: n + 1, outage, err: e });
        await sleep(backoff(n));
      }
    }
  }

  /** Retries a dead-letter write until it succeeds or the work is given up. */
  async function persist(letter: Message, at: number): Promise<typeof ABANDONED | undefined> {
    for (let n = 0; ; n++) {
      if (!live(at)) return ABANDONED;
      try {
        await deps.sendDeadLetters([letter], [APPLY_FAILED]);
        return undefined;
      } catch (e) {
        logger.warn('dead-letter write failed; retrying', { group, attempt: n + 1, err: e });
        await sleep(backoff(n));
      }
    }
  }

  /** `tried` counts the handler calls these records were already part of. */
  async function deliver(records: BusRecord[], messages: KafkaMessage[], at: number, retries: number, tried: number): Promise<typeof ABANDONED | undefined> {
    const outcome = await attempt(records, at, retries);
    if (outcome === undefined || outcome === ABANDONED) return outcome;
    const calls = tried + retries + 1;
    if (records.length === 1) {
      const r = records[0] as BusRecord;
      const m = messages[0] as KafkaMessage;
      const source = { topic, partition: r.partition, offset: m.offset, key: m.key, value: m.value };
      logger.error('an event failed every attempt; dead-lettered', { group, partition: r.partition, offset: r.offset, id: r.event.id, err: outcome.error });
      return persist(deadLetterMessage(source, APPLY_FAILED, errorText(outcome.error), calls), at);
    }
    const half = Math.ceil(records.length / 2);
    const left = await deliver(records.slice(0, half), messages.slice(0, half), at, 0, calls);
    if (left === ABANDONED) return left;
    return deliver(records.slice(half), messages.slice(half), at, 0, calls);
  }

  return (records, messages, at) => deliver(records, messages, at, deps.retries, 0);
}
