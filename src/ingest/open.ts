import { MeridianError, silentLogger, type Instrumentation, type Logger } from '../core/index.ts';
import type { DeadLetterSink, EventBus, EventStore } from './ports.ts';
import { createMemoryBus } from './memory-bus.ts';
import { createMemoryEventStore } from './memory-event-store.ts';
import { createChdbEventStore } from './chdb-event-store.ts';
import { clickHouseUrlOptions, createClickHouseEventStore } from './clickhouse-event-store.ts';
import { createFileDeadLetterSink, createMemoryDeadLetterSink } from './dead-letter.ts';
import { createKafkaBus } from './kafka-bus.ts';
import { createKafkaDeadLetterSink } from './kafka-dead-letter.ts';
import { parseKafkaUrl } from './kafka-url.ts';

export interface AdapterDeps {
  logger: Logger;
  instrumentation: Instrumentation;
}

const notAvailable = (port: string, url: string, known: string): MeridianError =>
  new MeridianError('config_invalid', `${port} URL "${url}": no adapter for it in this build (available: ${known})`);

/**
 * The event store a URL names: `memory:`, `chdb:<dir>` (e.g. chdb:.data/events), or a ClickHouse
 * server: `clickhouse://[user[:password]@]host[:port][/database][?table=events]` or `http(s)://…`.
 */
export async function openEventStore(url: string, deps: AdapterDeps): Promise<EventStore> {
  if (url === 'memory:') return createMemoryEventStore({ logger: deps.logger });
  if (url.startsWith('chdb:')) {
    const path = url.slice('chdb:'.length);
    if (path === '') throw new MeridianError('config_invalid', `event store URL "${url}": chdb: needs a directory, e.g. chdb:.data/events`);
    return createChdbEventStore({ path, logger: deps.logger, instrumentation: deps.instrumentation });
  }
  if (/^(clickhouse|https?):\/\//.test(url)) {
    return createClickHouseEventStore({ ...clickHouseUrlOptions(url), logger: deps.logger, instrumentation: deps.instrumentation });
  }
  throw notAvailable('event store', url, 'memory:, chdb:<dir>, clickhouse://host[:port][/database]');
}

/**
 * The event bus a URL names: `memory:` or `kafka://host:port[,host:port…][?topic=…&dlq=…&partitions=…&clientId=…]`
 * (topic meridian.events and dead-letter topic <topic>.dlq by default).
 */
export async function openEventBus(url: string, deps: AdapterDeps): Promise<EventBus> {
  if (url === 'memory:') return createMemoryBus({ logger: deps.logger });
  if (url.startsWith('kafka://')) return createKafkaBus({ ...parseKafkaUrl(url), ...deps });
  throw notAvailable('event bus', url, 'memory:, kafka://host:port');
}

/** The dead-letter sink a URL names: `memory:`, `file:<path>` (NDJSON) or `kafka://…` (the bus URL: its dead-letter topic). */
export async function openDeadLetterSink(url: string, deps: Partial<AdapterDeps> = {}): Promise<DeadLetterSink> {
  const { instrumentation } = deps;
  if (url === 'memory:') return createMemoryDeadLetterSink({ instrumentation });
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (path === '') throw new MeridianError('config_invalid', `dead-letter URL "${url}": file: needs a path, e.g. file:.data/dead-letters.ndjson`);
    return createFileDeadLetterSink({ path, instrumentation });
  }
  if (url.startsWith('kafka://')) {
    // The same URL as the bus names its dead-letter topic, so letters of every source land together.
    const k = parseKafkaUrl(url);
    const logger = deps.logger ?? silentLogger;
    return createKafkaDeadLetterSink({ brokers: k.brokers, topic: k.deadLetterTopic, partitions: k.partitions, clientId: k.clientId, logger, instrumentation });
  }
  throw notAvailable('dead-letter', url, 'memory:, file:<path>, kafka://host:port');
}
