import { Partitioners, type Message } from 'kafkajs';
import { MeridianError, unavailable, type Instrumentation, type Logger } from '../core/index.ts';
import { truncateRaw } from './sinks.ts';
import { createKafkaClient, ensureTopics, ERROR_CHARS } from '../bus/index.ts';
import { DLQ_HEADERS, errorText } from '../bus/index.ts';
import type { DeadLetter, DeadLetterSink } from './port.ts';

export interface KafkaDeadLetterSinkOptions {
  brokers: readonly string[];
  /** The dead-letter topic (the bus's, so every rejected input of a deployment is in one place). */
  topic: string;
  partitions?: number;
  clientId?: string;
  logger: Logger;
  instrumentation?: Instrumentation;
  /** Letters kept in memory for `recent`. */
  capacity?: number;
}

/** A dead letter as a message: the raw input as value, the rest in the same headers the consumer uses. */
function letterMessage(l: DeadLetter): Message {
  const error = l.errors.map((e) => e.message).join('; ');
  return {
    key: null,
    value: truncateRaw(l.raw),
    headers: {
      [DLQ_HEADERS.reason]: l.reason,
      [DLQ_HEADERS.error]: error.length > ERROR_CHARS ? error.slice(0, ERROR_CHARS) : error,
      [DLQ_HEADERS.source]: l.source,
      ...(l.position === undefined ? {} : { position: String(l.position) }),
      at: String(l.at),
    },
  };
}

/**
 * Dead letters on a Kafka topic (acknowledged by all in-sync replicas before `write` resolves),
 * plus a small ring of the newest for `recent`; `count` is letters written by this sink.
 */
export async function createKafkaDeadLetterSink(opts: KafkaDeadLetterSinkOptions): Promise<DeadLetterSink> {
  const { brokers, topic, partitions = 4, clientId = 'meridian', logger, instrumentation, capacity = 1000 } = opts;
  if (!Number.isSafeInteger(capacity) || capacity < 1) {
    throw new MeridianError('config_invalid', `kafka dead-letter sink: capacity must be a positive integer, got ${capacity}`);
  }
  const kafka = createKafkaClient({ brokers, clientId, logger });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await admin.connect();
    await ensureTopics(admin, [topic], partitions, logger);
    await admin.disconnect();
    await producer.connect();
  } catch (e) {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    if (e instanceof MeridianError) throw e;
    throw unavailable('dead_letters_unavailable', `cannot reach Kafka at ${brokers.join(',')}: ${errorText(e)}`, e);
  }
  let ring: DeadLetter[] = [];
  let total = 0;
  let closed = false;
  return {
    async write(letters) {
      if (closed) throw new MeridianError('dead_letters_closed', 'the dead-letter sink is closed');
      if (letters.length === 0) return;
      try {
        await producer.send({ topic, acks: -1, messages: letters.map(letterMessage) });
      } catch (e) {
        throw unavailable('dead_letters_write_failed', `cannot write dead letters to Kafka topic ${topic}: ${errorText(e)}`, e);
      }
      total += letters.length;
      for (const l of letters) instrumentation?.emit('deadletter.written', { source: l.source, reason: l.reason });
      ring.push(...letters.map((l) => ({ ...l, raw: truncateRaw(l.raw) })));
      if (ring.length > 2 * capacity) ring = ring.slice(-capacity);
    },
    recent: (n) => (n >= 1 ? ring.slice(-Math.min(Math.floor(n), capacity)) : []),
    count: () => total,
    async close() {
      if (closed) return;
      closed = true;
      await producer.disconnect();
    },
  };
}
