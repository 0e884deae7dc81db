import { MeridianError, type Instrumentation, type Logger } from '../core/index.ts';
import type { DeadLetterSink, EventBus, EventStore } from './ports.ts';
import { createMemoryBus } from './memory-bus.ts';
import { createMemoryEventStore } from './memory-event-store.ts';
import { createChdbEventStore } from './chdb-event-store.ts';
import { createFileDeadLetterSink, createMemoryDeadLetterSink } from './dead-letter.ts';

export interface AdapterDeps {
  logger: Logger;
  instrumentation: Instrumentation;
}

const notAvailable = (port: string, url: string, known: string): MeridianError =>
  new MeridianError('config_invalid', `${port} URL "${url}": no adapter for it in this build (available: ${known})`);

/** The event store a URL names: `memory:` or `chdb:<dir>` (e.g. chdb:.data/events). */
export async function openEventStore(url: string, deps: AdapterDeps): Promise<EventStore> {
  if (url === 'memory:') return createMemoryEventStore({ logger: deps.logger });
  if (url.startsWith('chdb:')) {
    const path = url.slice('chdb:'.length);
    if (path === '') throw new MeridianError('config_invalid', `event store URL "${url}": chdb: needs a directory, e.g. chdb:.data/events`);
    return createChdbEventStore({ path, logger: deps.logger, instrumentation: deps.instrumentation });
  }
  throw notAvailable('event store', url, 'memory:, chdb:<dir>');
}

/** The event bus a URL names: `memory:` (Kafka comes behind this function, hence async). */
export async function openEventBus(url: string, deps: AdapterDeps): Promise<EventBus> {
  if (url === 'memory:') return createMemoryBus({ logger: deps.logger });
  throw notAvailable('event bus', url, 'memory:');
}

/** The dead-letter sink a URL names: `memory:` or `file:<path>` (NDJSON). */
export async function openDeadLetterSink(url: string, deps: Partial<AdapterDeps> = {}): Promise<DeadLetterSink> {
  const { instrumentation } = deps;
  if (url === 'memory:') return createMemoryDeadLetterSink({ instrumentation });
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (path === '') throw new MeridianError('config_invalid', `dead-letter URL "${url}": file: needs a path, e.g. file:.data/dead-letters.ndjson`);
    return createFileDeadLetterSink({ path, instrumentation });
  }
  throw notAvailable('dead-letter', url, 'memory:, file:<path>');
}
