import { join } from 'node:path';
import { noAdapter, type Logger } from '../core/index.ts';
import type { KeyStore } from './keys.ts';
import { openMemoryKeyStore } from './keys-memory.ts';
import { openRedisKeyStore } from './keys-redis.ts';

/** Where keys live for a feature-store URL: beside the feature state, so every replica shares them. */
export function keyStoreLocation(featureStoreUrl: string): string {
  if (featureStoreUrl.startsWith('memory:')) {
    const dir = featureStoreUrl.slice('memory:'.length);
    return dir === '' ? 'memory (this process only)' : join(dir, 'keys.json');
  }
  return featureStoreUrl.replace(/^([^:]+:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

/**
 * Opens the key store the feature store's URL implies: `memory:<dir>` → `<dir>/keys.json`,
 * `memory:` → in this process only, `redis://…` (and the TLS and Cluster forms) → the same Redis.
 */
export async function openKeyStore(
  featureStoreUrl: string,
  deps: { logger: Logger; cacheMs?: number; now?: () => number },
): Promise<KeyStore> {
  if (featureStoreUrl.startsWith('memory:')) {
    const dir = featureStoreUrl.slice('memory:'.length);
    return openMemoryKeyStore({ logger: deps.logger, ...(dir === '' ? {} : { path: join(dir, 'keys.json') }) });
  }
  if (/^rediss?(\+cluster)?:\/\//.test(featureStoreUrl)) {
    return openRedisKeyStore({ url: featureStoreUrl, logger: deps.logger, ...(deps.cacheMs === undefined ? {} : { cacheMs: deps.cacheMs }), ...(deps.now === undefined ? {} : { now: deps.now }) });
  }
  throw noAdapter('key store (from featureStore)', featureStoreUrl, 'memory:[<dir>], redis://, rediss://, redis+cluster://');
}
