import { Partitioners, type Producer } from 'kafkajs';
import { MeridianError, unavailable, type Instrumentation, type Logger } from '../../core/index.ts';
import type { MeridianEvent } from '../../ingest/index.ts';
import { DEFAULT_CONSUMER_TUNING, startGroupConsumer, type ConsumerTuning, type GroupConsumer, type KafkaSubscribeOptions } from './consumer.ts';
import { createKafkaClient, ensureTopics, withTimeout } from './client.ts';
import { encodeEvent, errorText } from './messages.ts';
import { createPublisher } from './publisher.ts';
import { DEFAULT_EVENTS_TOPIC, isTopicName } from './url.ts';
import type { BusHandler, EventBus } from '../port.ts';

export interface KafkaBusOptions {
  brokers: readonly string[];
  topic?: string;
  deadLetterTopic?: string;
  /** Partitions of the topics created at start when missing. */
  partitions?: number;
  clientId?: string;
  logger: Logger;
  instrumentation: Instrumentation;
  /** How long publish waits for the broker's acknowledgement before failing as unavailable. */
  publishTimeoutMs?: number;
  pingTimeoutMs?: number;
  consumer?: Partial<ConsumerTuning>;
}

/** The Kafka event bus: the EventBus port, with Kafka's own subscription options. */
export interface KafkaBus extends EventBus {
  readonly kind: 'kafka';
  readonly topic: string;
  readonly deadLetterTopic: string;
  subscribe(group: string, handler: BusHandler, options?: KafkaSubscribeOptions): Promise<void>;
}

export function isKafkaBus(bus: EventBus): bus is KafkaBus {
  return bus.kind === 'kafka';
}

function checkOptions(o: KafkaBusOptions, topic: string, deadLetterTopic: string, partitions: number): void {
  const bad = (why: string): MeridianError => new MeridianError('config_invalid', `kafka bus: ${why}`);
  if (o.brokers.length === 0) throw bad('at least one broker is needed');
  for (const t of [topic, deadLetterTopic]) if (!isTopicName(t)) throw bad(`"${t}" is not a valid topic name`);
  if (topic === deadLetterTopic) throw bad('the dead-letter topic must differ from the events topic');
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) throw bad(`partitions must be an integer in 1..1024, got ${partitions}`);
  for (const [k, v] of Object.entries({ publishTimeoutMs: o.publishTimeoutMs ?? 1, pingTimeoutMs: o.pingTimeoutMs ?? 1 })) {
    if (!Number.isFinite(v) || v <= 0) throw bad(`${k} must be a positive number of ms, got ${v}`);
  }
  for (const [k, v] of Object.entries({ ...DEFAULT_CONSUMER_TUNING, ...o.consumer })) {
    if (!Number.isFinite(v) || v < (k === 'retries' ? 0 : 1)) throw bad(`consumer.${k} must be a number >= ${k === 'retries' ? 0 : 1}, got ${v}`);
  }
}

/**
 * The production event bus on Kafka. `publish` sends with an idempotent producer (acks from all
 * in-sync replicas, one request in flight, so retries neither duplicate nor reorder; concurrent
 * publishes share requests) and resolves once the broker acknowledged. Each `subscribe` is a
 * consumer group (see kafka-consumer.ts). Topics are created at start when missing.
 */
export async function createKafkaBus(opts: KafkaBusOptions): Promise<KafkaBus> {
  const { brokers, topic = DEFAULT_EVENTS_TOPIC, partitions = 4, clientId = 'meridian', logger, instrumentation } = opts;
  const { deadLetterTopic = `${topic}.dlq`, publishTimeoutMs = 10_000, pingTimeoutMs = 2000 } = opts;
  checkOptions(opts, topic, deadLetterTopic, partitions);
  const tuning: ConsumerTuning = { ...DEFAULT_CONSUMER_TUNING, ...opts.consumer };
  const kafka = createKafkaClient({ brokers, clientId, logger });
  const admin = kafka.admin();
  const makeProducer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  const producer = makeProducer();
  // The publisher's producers after a failure (the first one stays with the consumers' dead letters).
  const renewed: Producer[] = [];
  const renew = async (): Promise<Producer> => {
    const p = makeProducer();
    try {
      await p.connect();
    } catch (e) {
      void p.disconnect().catch(() => undefined);
      throw e;
    }
    for (const old of renewed.splice(0)) void old.disconnect().catch(() => undefined);
    renewed.push(p);
    logger.warn('kafka producer renewed after a failed publish');
    return p;
  };
  try {
    await admin.connect();
    await ensureTopics(admin, [topic, deadLetterTopic], partitions, logger);
    await producer.connect();
  } catch (e) {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    if (e instanceof MeridianError) throw e;
    throw unavailable('bus_unavailable', `cannot reach Kafka at ${brokers.join(',')}: ${errorText(e)}`, e);
  }
  logger.info('kafka event bus ready', { brokers, topic, deadLetterTopic });

  const publisher = createPublisher(producer, topic, publishTimeoutMs, { renew });
  const consumers = new Map<string, GroupConsumer>();
  let closed = false;
  const checkOpen = (): void => {
    if (closed) throw new MeridianError('bus_closed', 'the event bus is closed', { statusCode: 503, retriable: true });
  };

  return {
    kind: 'kafka',
    topic,
    deadLetterTopic,
    async publish(events: readonly MeridianEvent[]) {
      checkOpen();
      if (events.length === 0) return;
      const t0 = performance.now();
      try {
        await publisher.send(events.map(encodeEvent));
        instrumentation.emit('service.call', { service: 'kafka', op: 'produce', ms: performance.now() - t0, ok: true });
      } catch (e) {
        instrumentation.emit('service.call', { service: 'kafka', op: 'produce', ms: performance.now() - t0, ok: false });
        throw unavailable('bus_unavailable', `Kafka did not acknowledge ${events.length} event(s): ${errorText(e)}`, e);
      }
    },
    async subscribe(group: string, handler: BusHandler, options?: KafkaSubscribeOptions) {
      checkOpen();
      if (group === '') throw new MeridianError('config_invalid', 'kafka bus: a consumer group needs a name');
      if (consumers.has(group)) throw new MeridianError('bus_group_exists', `consumer group "${group}" is already subscribed to this bus`);
      const consumer = await startGroupConsumer({
        kafka,
        admin,
        producer,
        topic,
        deadLetterTopic,
        group,
        handler,
        logger: logger.child(group),
        instrumentation,
        tuning,
        ...(options === undefined ? {} : { options }),
      });
      consumers.set(group, consumer);
    },
    async ping() {
      if (closed) return false;
      for (const c of consumers.values()) if (!c.healthy()) return false;
      try {
        await withTimeout(admin.describeCluster(), pingTimeoutMs, 'kafka ping');
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      const results = await Promise.allSettled([...consumers.values()].map((c) => c.close()));
      consumers.clear();
      await Promise.allSettled([producer.disconnect(), ...renewed.map((p) => p.disconnect()), admin.disconnect()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) logger.warn('a kafka consumer did not close cleanly', { err: failed.reason });
    },
  };
}
