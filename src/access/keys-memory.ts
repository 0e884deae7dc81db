import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { MeridianError, writeFileAtomic, type Logger } from '../core/index.ts';
import type { KeyRecord, KeyStore } from './keys.ts';

/*
 * The embedded key store: records in a Map, persisted to one JSON file (`{"version":1,"keys":[…]}`)
 * written atomically on every change. The file is the truth shared with `meridian keys` in another
 * process: each change re-reads it first (read, change, write), and the file is watched, so a key
 * created or revoked by the CLI reaches the server within `watchMs`. Two processes changing keys in
 * the same instant can lose one change (the later write wins); a change is a human's command.
 */

export interface MemoryKeyStoreOptions {
  /** The JSON file; absent, keys live only as long as the process. */
  path?: string | undefined;
  logger: Logger;
  /** How often the file is checked for changes by another process (ms). */
  watchMs?: number;
}

const corrupt = (path: string, why: string, cause?: unknown): MeridianError =>
  new MeridianError('key_store_corrupt', `key file ${path}: ${why}`, { cause });

function isRecord(v: unknown): v is KeyRecord {
  const r = v as Partial<KeyRecord> | null;
  return (
    typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.tenant === 'string' && typeof r.hash === 'string' &&
    Array.isArray(r.scopes) && typeof r.createdAt === 'number' && (r.expiresAt === undefined || typeof r.expiresAt === 'number')
  );
}

async function load(path: string): Promise<Map<string, KeyRecord>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw corrupt(path, (e as Error).message, e);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw corrupt(path, 'not valid JSON', e);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || !keys.every(isRecord)) throw corrupt(path, 'expected {"version":1,"keys":[…]}');
  return new Map(keys.map((r) => [r.id, r]));
}

const serialize = (keys: Map<string, KeyRecord>): string => JSON.stringify({ version: 1, keys: [...keys.values()] }, null, 1) + '\n';

export async function openMemoryKeyStore({ path, logger, watchMs = 250 }: MemoryKeyStoreOptions): Promise<KeyStore> {
  if (!Number.isInteger(watchMs) || watchMs < 10) throw new MeridianError('option_invalid', `watchMs must be an integer >= 10, got ${watchMs}`);
  let keys = path === undefined ? new Map<string, KeyRecord>() : await load(path);
  let chain: Promise<unknown> = Promise.resolve();
  // One change at a time in this process; each starts from the file as it is now.
  const change = <T>(apply: (m: Map<string, KeyRecord>) => T): Promise<T> => {
    const run = chain.then(async () => {
      const next = path === undefined ? new Map(keys) : await load(path);
      const out = apply(next);
      if (path !== undefined) await writeFileAtomic(path, serialize(next));
      keys = next;
      return out;
    });
    chain = run.catch(() => undefined);
    return run;
  };
  const reload = (): void => {
    if (path === undefined) return;
    chain = chain.then(async () => {
      try {
        keys = await load(path);
      } catch (err) {
        logger.warn('key file unreadable; keeping the keys read before', { path, err });
      }
    });
  };
  if (path !== undefined) watchFile(path, { interval: watchMs, persistent: false }, reload);
  return {
    kind: 'memory',
    get: (id) => keys.get(id),
    put: (record) =>
      change((m) => {
        m.set(record.id, record);
      }),
    delete: (id) => change((m) => m.delete(id)),
    list: async () => [...keys.values()],
    async close() {
      if (path !== undefined) unwatchFile(path, reload);
      await chain;
    },
  };
}
