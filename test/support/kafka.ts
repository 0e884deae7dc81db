import { Kafka, logLevel, type Admin, type KafkaMessage } from 'kafkajs';
import { createInstrumentation, silentLogger, type Instrumentation } from '../../src/core/index.ts';
import { createKafkaBus, type BusHandler, type ConsumerTuning, type KafkaBus, type KafkaSubscribeOptions } from '../../src/bus/index.ts';
import { uniquePrefix, waitFor } from './helpers.ts';

/** The shared test broker; a missing variable fails the suite, it never skips it. */
export function kafkaBrokers(): string[] {
  const brokers = process.env.MERIDIAN_TEST_KAFKA_BROKERS;
  if (brokers === undefined || brokers === '') {
    throw new Error('MERIDIAN_TEST_KAFKA_BROKERS is not set: run the tests with `npm test`, which starts Kafka and sets it');
  }
  return brokers.split(',');
}

/** Fast consumer settings for tests: short fetch waits and backoffs. */
export const TEST_TUNING: Partial<ConsumerTuning> = {
  maxWaitMs: 100,
  retryBackoffMs: 20,
  maxBackoffMs: 200,
  lagIntervalMs: 200,
  closeTimeoutMs: 5000,
};

/**
 * Buses on unique topics of the shared broker. Remembers every topic and group it made, so
 * `cleanup` deletes them (the broker is shared: nothing is left behind).
 */
export function kafkaFixture() {
  const brokers = kafkaBrokers();
  const kafka = new Kafka({ clientId: 'meridian-test', brokers, logLevel: logLevel.NOTHING });
  const topics = new Set<string>();
  const groups = new Set<string>();
  const buses: KafkaBus[] = [];
  let admin: Admin | undefined;

  async function getAdmin(): Promise<Admin> {
    if (admin === undefined) {
      admin = kafka.admin();
      await admin.connect();
    }
    return admin;
  }

  /** A bus whose subscriptions are recorded for cleanup. */
  async function bus(
    opts: { topic?: string; partitions?: number; tuning?: Partial<ConsumerTuning>; instrumentation?: Instrumentation } = {},
  ): Promise<KafkaBus> {
    const topic = opts.topic ?? uniquePrefix('meridian-test');
    topics.add(topic);
    topics.add(`${topic}.dlq`);
    const b = await createKafkaBus({
      brokers,
      topic,
      partitions: opts.partitions ?? 4,
      clientId: 'meridian-test',
      logger: silentLogger,
      instrumentation: opts.instrumentation ?? createInstrumentation(),
      consumer: { ...TEST_TUNING, ...opts.tuning },
    });
    const tracked: KafkaBus = {
      ...b,
      kind: 'kafka',
      publish: (events) => b.publish(events),
      subscribe: (group: string, handler: BusHandler, options?: KafkaSubscribeOptions) => {
        groups.add(group);
        return b.subscribe(group, handler, options);
      },
      ping: () => b.ping(),
      close: () => b.close(),
    };
    buses.push(tracked);
    return tracked;
  }

  /** Every message of `topic` (from the beginning), once at least `n` arrived. */
  async function readTopic(topic: string, n: number): Promise<KafkaMessage[]> {
    const group = uniquePrefix('meridian-test-reader');
    groups.add(group);
    const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 100 });
    const got: KafkaMessage[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          got.push(message);
        },
      });
      await waitFor(() => got.length >= n, { what: `${n} message(s) on ${topic}` });
      return got;
    } finally {
      await consumer.disconnect();
    }
  }

  /** Sends raw messages to a topic, bypassing the bus (for poison messages). */
  async function produceRaw(topic: string, messages: { key: string; value: string }[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }

  async function cleanup(): Promise<void> {
    await Promise.allSettled(buses.splice(0).map((b) => b.close()));
    const a = await getAdmin();
    await a.deleteGroups([...groups]).catch(() => undefined);
    const existing = new Set(await a.listTopics());
    const mine = [...topics].filter((t) => existing.has(t));
    if (mine.length > 0) await a.deleteTopics({ topics: mine }).catch(() => undefined);
    groups.clear();
    topics.clear();
    await a.disconnect();
    admin = undefined;
  }

  return { brokers, kafka, bus, readTopic, produceRaw, admin: getAdmin, cleanup, topics, groups };
}

export type KafkaFixture = ReturnType<typeof kafkaFixture>;
