import { MeridianError, noAdapter, silentLogger, type AdapterDeps } from '../core/index.ts';
import { parseKafkaUrl } from '../bus/index.ts';
import type { DeadLetterSink } from './port.ts';
import { createFileDeadLetterSink, createMemoryDeadLetterSink, type FileRotation } from './sinks.ts';
import { redactingSink, type Redaction } from './redact.ts';
import { createKafkaDeadLetterSink } from './kafka.ts';

export interface DeadLetterOptions {
  /** Size rotation of a `file:` sink (default 64 MiB, 8 files). */
  rotation?: FileRotation;
  /** Personal fields of every letter, whatever the sink (default `off`: kept). */
  redact?: Redaction;
}

/**
 * The dead-letter sink a URL names: `memory:`, `file:<path>` (NDJSON) or `kafka://…` (the bus URL:
 * its dead-letter topic), redacting letters as `options.redact` says.
 */
export async function openDeadLetterSink(url: string, deps: Partial<AdapterDeps> = {}, options: DeadLetterOptions = {}): Promise<DeadLetterSink> {
  return redactingSink(await openSink(url, deps, options.rotation ?? {}), options.redact ?? 'off');
}

async function openSink(url: string, deps: Partial<AdapterDeps>, rotation: FileRotation): Promise<DeadLetterSink> {
  const { instrumentation } = deps;
  if (url === 'memory:') return createMemoryDeadLetterSink({ instrumentation });
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (path === '') throw new MeridianError('config_invalid', `dead-letter URL "${url}": file: needs a path, e.g. file:.data/dead-letters.ndjson`);
    return createFileDeadLetterSink({ path, rotation, instrumentation });
  }
  if (url.startsWith('kafka://')) {
    // The same URL as the bus names its dead-letter topic, so letters of every source land together.
    const k = parseKafkaUrl(url);
    const logger = deps.logger ?? silentLogger;
    return createKafkaDeadLetterSink({ brokers: k.brokers, topic: k.deadLetterTopic, partitions: k.partitions, clientId: k.clientId, logger, instrumentation });
  }
  throw noAdapter('dead-letter', url, 'memory:, file:<path>, kafka://host:port');
}
