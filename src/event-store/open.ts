import { MeridianError, noAdapter } from '../core/index.ts';
import type { EventStore, EventStoreDeps } from './port.ts';
import { createMemoryEventStore } from './memory.ts';
import { createChdbEventStore } from './chdb.ts';
import { clickHouseUrlOptions, createClickHouseEventStore } from './clickhouse/index.ts';

/**
 * The event store a URL names: `memory:`, `chdb:<dir>` (e.g. chdb:.data/events), or a ClickHouse
 * server: `clickhouse://[user[:password]@]host[:port][/database][?table=events]` or `http(s)://…`.
 */
export async function openEventStore(url: string, deps: EventStoreDeps): Promise<EventStore> {
  const rejected = deps.rejected === undefined ? {} : { rejected: deps.rejected };
  if (url === 'memory:') return createMemoryEventStore({ logger: deps.logger });
  if (url.startsWith('chdb:')) {
    const path = url.slice('chdb:'.length);
    if (path === '') throw new MeridianError('config_invalid', `event store URL "${url}": chdb: needs a directory, e.g. chdb:.data/events`);
    return createChdbEventStore({ path, logger: deps.logger, instrumentation: deps.instrumentation, ...rejected });
  }
  if (/^(clickhouse|https?):\/\//.test(url)) {
    return createClickHouseEventStore({ ...clickHouseUrlOptions(url), logger: deps.logger, instrumentation: deps.instrumentation, ...rejected });
  }
  throw noAdapter('event store', url, 'memory:, chdb:<dir>, clickhouse://host[:port][/database]');
}
