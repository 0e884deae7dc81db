import { Kafka, logLevel, type Admin, type LogEntry } from 'kafkajs';
import { unavailable, type Logger } from '../../core/index.ts';
import { errorText } from './messages.ts';

/** kafkajs logs through the injected logger; its errors are mostly retried, so they are warnings here. */
function logCreator(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...fields } = log;
      if (level <= logLevel.WARN) logger.warn(message, fields);
      else logger.debug(message, fields);
    };
}

/** A kafkajs client that logs through `logger` and gives up on an unreachable broker in seconds. */
export function createKafkaClient({ brokers, clientId, logger }: { brokers: readonly string[]; clientId: string; logger: Logger }): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.WARN,
    logCreator: logCreator(logger.child('kafkajs')),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** How long a broker may take to list topics it just created (KRaft propagates metadata asynchronously). */
const TOPICS_SETTLE_MS = 10_000;
const TOPICS_POLL_MS = 200;

/**
 * Creates the topics that are missing. Without the right to create topics, they must exist already.
 * A broker may answer the wait for leaders with "does not host this topic-partition" while the new
 * topics' metadata spreads, so a failed creation is judged only once the topic list has settled.
 */
export async function ensureTopics(admin: Admin, topics: string[], partitions: number, logger: Logger): Promise<void> {
  try {
    const created = await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
    if (created) logger.info('kafka topics created', { topics, partitions });
  } catch (e) {
    const missing = await missingTopics(admin, topics, TOPICS_SETTLE_MS);
    if (missing.length > 0) throw unavailable('bus_unavailable', `Kafka topics ${missing.join(', ')} are missing and could not be created: ${errorText(e)}`, e);
  }
  const meta = await admin.fetchTopicMetadata({ topics });
  for (const t of meta.topics) {
    if (t.partitions.length < partitions) {
      logger.info('kafka topic has fewer partitions than configured', { topic: t.name, partitions: t.partitions.length, configured: partitions });
    }
  }
}

/** The topics the broker does not list, polled until none is missing or `ms` have passed. */
async function missingTopics(admin: Admin, topics: readonly string[], ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0 || Date.now() >= deadline) return missing;
    await new Promise((resolve) => setTimeout(resolve, TOPICS_POLL_MS));
  }
}
