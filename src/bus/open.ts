import { noAdapter, type AdapterDeps } from '../core/index.ts';
import type { EventBus } from './port.ts';
import { createMemoryBus } from './memory.ts';
import { createKafkaBus, parseKafkaUrl } from './kafka/index.ts';

/**
 * The event bus a URL names: `memory:` or `kafka://host:port[,host:port…][?topic=…&dlq=…&partitions=…&clientId=…]`
 * (topic meridian.events and dead-letter topic <topic>.dlq by default).
 */
export async function openEventBus(url: string, deps: AdapterDeps): Promise<EventBus> {
  if (url === 'memory:') return createMemoryBus({ logger: deps.logger });
  if (url.startsWith('kafka://')) return createKafkaBus({ ...parseKafkaUrl(url), ...deps });
  throw noAdapter('event bus', url, 'memory:, kafka://host:port');
}
