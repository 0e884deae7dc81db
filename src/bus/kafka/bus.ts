import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { MeridianError, unavailable, type Instrumentation, type Logger } from '../../core/index.ts';
import type { MeridianEvent } from '../../ingest/index.ts';
import { DEFAULT_CONSUMER_TUNING, startGroupConsumer, type ConsumerTuning, type GroupConsumer, type KafkaSubscribeOptions } from './consumer.ts';
import { createKafkaClient, ensureTopics, withTimeout } from './client.ts';
import { encodeEvent, errorText } from './messages.ts';
import { createPublisher } from './publisher.ts';
import { DEFAULT_EVENTS_TOPIC, isTopicName } from './url.ts';
import { checkBusOpen, type BusHandler, type EventBus } from '../port.ts';

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

/** What one Kafka bus holds; its operations below take it. */
interface BusState {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producers: Producers;
  readonly publisher: ReturnType<typeof createPublisher>;
  readonly consumers: Map<string, GroupConsumer>;
  readonly topic: string;
  readonly deadLetterTopic: string;
  readonly tuning: ConsumerTuning;
  readonly pingTimeoutMs: number;
  readonly logger: Logger;
  readonly instrumentation: Instrumentation;
  closed: boolean;
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
  const producers = createProducers(kafka, logger);
  try {
    await admin.connect();
    await ensureTopics(admin, [topic, deadLetterTopic], partitions, logger);
    await producers.first.connect();
  } catch (e) {
    await Promise.allSettled([producers.first.disconnect(), admin.disconnect()]);
    if (e instanceof MeridianError) throw e;
    throw unavailable('bus_unavailable', `cannot reach Kafka at ${brokers.join(',')}: ${errorText(e)}`, e);
  }
  logger.info('kafka event bus ready', { brokers, topic, deadLetterTopic });

  const s: BusState = {
    kafka,
    admin,
    producers,
    publisher: createPublisher(producers.first, topic, publishTimeoutMs, { renew: producers.renew }),
    consumers: new Map(),
    topic,
    deadLetterTopic,
    tuning,
    pingTimeoutMs,
    logger,
    instrumentation,
    closed: false,
  };
  return {
    kind: 'kafka',
    topic,
    deadLetterTopic,
    publish: (events) => publish(s, events),
    subscribe: (group, handler, options) => subscribe(s, group, handler, options),
    ping: () => ping(s),
    close: () => close(s),
  };
}

/** The bus's idempotent producers: the first one for good, and fresh ones for the publisher after a failure. */
interface Producers {
  /** Connected at start; it stays with the consumers' dead letters. */
  readonly first: Producer;
  /** The publisher's producers after a failure. */
  readonly renewed: Producer[];
  /** A fresh connected producer; the previous renewed one is dropped. */
  renew(): Promise<Producer>;
}

function createProducers(kafka: Kafka, logger: Logger): Producers {
  const makeProducer = (): Producer =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
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
  return { first: makeProducer(), renewed, renew };
}

async function publish(s: BusState, events: readonly MeridianEvent[]): Promise<void> {
  checkBusOpen(s);
  if (events.length === 0) return;
  const t0 = performance.now();
  try {
    await s.publisher.send(events.map(encodeEvent));
    s.instrumentation.emit('service.call', { service: 'kafka', op: 'produce', ms: performance.now() - t0, ok: true });
  } catch (e) {
    s.instrumentation.emit('service.call', { service: 'kafka', op: 'produce', ms: performance.now() - t0, ok: false });
    throw unavailable('bus_unavailable', `Kafka did not acknowledge ${events.length} event(s): ${errorText(e)}`, e);
  }
}

async function subscribe(s: BusState, group: string, handler: BusHandler, options?: KafkaSubscribeOptions): Promise<void> {
  checkBusOpen(s);
  if (group === '') throw new MeridianError('config_invalid', 'kafka bus: a consumer group needs a name');
  if (s.consumers.has(group)) throw new MeridianError('bus_group_exists', `consumer group "${group}" is already subscribed to this bus`);
  const consumer = await startGroupConsumer({
    kafka: s.kafka,
    admin: s.admin,
    producer: s.producers.first,
    topic: s.topic,
    deadLetterTopic: s.deadLetterTopic,
    group,
    handler,
    logger: s.logger.child(group),
    instrumentation: s.instrumentation,
    tuning: s.tuning,
    ...(options === undefined ? {} : { options }),
  });
  s.consumers.set(group, consumer);
}

async function ping(s: BusState): Promise<boolean> {
  if (s.closed) return false;
  for (const c of s.consumers.values()) if (!c.healthy()) return false;
  try {
    await withTimeout(s.admin.describeCluster(), s.pingTimeoutMs, 'kafka ping');
    return true;
  } catch {
    return false;
  }
}

async function close(s: BusState): Promise<void> {
  if (s.closed) return;
  s.closed = true;
  const results = await Promise.allSettled([...s.consumers.values()].map((c) => c.close()));
  s.consumers.clear();
  await Promise.allSettled([s.producers.first.disconnect(), ...s.producers.renewed.map((p) => p.disconnect()), s.admin.disconnect()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) s.logger.warn('a kafka consumer did not close cleanly', { err: failed.reason });
}
