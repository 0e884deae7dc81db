import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { MeridianError, badRequest } from '../core/index.ts';
import { ANY_TENANT, SCOPES, type Access, type Scope } from './scopes.ts';

/*
 * API keys. A key is `mk_<id>_<secret>`: `id` is 8 random bytes in hex (public: keys are listed and
 * revoked by it), `secret` 24 random bytes in base64url (192 bits). The store keeps the SHA-256 of
 * the whole key, never the key: a fast hash is enough for a secret of that entropy, and it is
 * compared in constant time. Nothing returns the key after `create`.
 */

/** What the store keeps of a key. */
export interface KeyRecord {
  readonly id: string;
  readonly tenant: string;
  readonly scopes: readonly Scope[];
  readonly name?: string | undefined;
  /** ms since the epoch. */
  readonly createdAt: number;
  /** ms since the epoch; absent: the key does not expire. */
  readonly expiresAt?: number | undefined;
  /** SHA-256 of the whole key, hex. */
  readonly hash: string;
}

/** A key as it is listed: everything but its hash. */
export type KeyInfo = Omit<KeyRecord, 'hash'>;

/**
 * Port: where key records live. `get` may answer synchronously (memory, or a cached record) so the
 * request path pays no promise for it.
 */
export interface KeyStore {
  readonly kind: 'memory' | 'redis';
  get(id: string): KeyRecord | undefined | Promise<KeyRecord | undefined>;
  put(record: KeyRecord): Promise<void>;
  /** Whether there was a key of that id. Every replica refuses it within a second. */
  delete(id: string): Promise<boolean>;
  list(): Promise<KeyRecord[]>;
  close(): Promise<void>;
}

export interface KeySpec {
  tenant: string;
  scopes: readonly Scope[];
  expiresAt?: number | undefined;
  /** Or a lifetime from now (ms). */
  expiresInMs?: number | undefined;
  name?: string | undefined;
}

/** Keys minted, listed, revoked and checked, over one store. */
export interface Keyring {
  readonly store: KeyStore;
  /** A new key: the only time its secret is seen. */
  create(spec: KeySpec): Promise<{ key: string; info: KeyInfo }>;
  /** Every key (of `tenant` when given), oldest first. */
  list(tenant?: string): Promise<KeyInfo[]>;
  /** The key's record without its hash, or undefined. */
  info(id: string): Promise<KeyInfo | undefined>;
  revoke(id: string): Promise<boolean>;
  /** What a presented key allows; undefined when it is malformed, unknown, expired or revoked. */
  authenticate(presented: string): Access | undefined | Promise<Access | undefined>;
  close(): Promise<void>;
}

export const TENANT_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const KEY_PATTERN = /^mk_([0-9a-f]{16})_[A-Za-z0-9_-]{32}$/;
export const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
const NAME_MAX = 100;

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** The id part of a well-formed key, else undefined. */
export function keyIdOf(presented: string): string | undefined {
  return KEY_PATTERN.exec(presented)?.[1];
}

/** A bad key spec names its field (the admin API answers 400, the CLI exits 2). */
export function checkKeySpec(spec: KeySpec, now: number): KeySpec {
  const { tenant, scopes, expiresAt, name } = spec;
  if (typeof tenant !== 'string' || (tenant !== ANY_TENANT && !TENANT_PATTERN.test(tenant))) {
    throw badRequest('parameter_invalid', `tenant: expected a tenant id (${TENANT_PATTERN.source}) or "${ANY_TENANT}"`, 'tenant');
  }
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((s) => !(SCOPES as readonly string[]).includes(s))) {
    throw badRequest('parameter_invalid', `scopes: expected one or more of ${SCOPES.join(', ')}`, 'scopes');
  }
  if (expiresAt !== undefined && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) {
    throw badRequest('parameter_invalid', 'expiresAt: must be in the future', 'expiresAt');
  }
  if (name !== undefined && (typeof name !== 'string' || name.length > NAME_MAX || /[\p{Cc}\p{Cs}]/u.test(name))) {
    throw badRequest('parameter_invalid', `name: at most ${NAME_MAX} printable characters`, 'name');
  }
  return { tenant, scopes: SCOPES.filter((s) => scopes.includes(s)), expiresAt, name };
}

/** A key as the admin API and `meridian keys` show it: instants in ISO 8601, no hash. */
export interface KeyView {
  id: string;
  tenant: string;
  scopes: Scope[];
  name?: string;
  createdAt: string;
  expiresAt?: string;
}

export const keyView = (k: KeyInfo): KeyView => ({
  id: k.id,
  tenant: k.tenant,
  scopes: [...k.scopes],
  ...(k.name === undefined ? {} : { name: k.name }),
  createdAt: new Date(k.createdAt).toISOString(),
  ...(k.expiresAt === undefined ? {} : { expiresAt: new Date(k.expiresAt).toISOString() }),
});

const infoOf = ({ hash: _hash, ...info }: KeyRecord): KeyInfo => info;

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export const keyNotFound = (id: string): MeridianError =>
  new MeridianError('key_not_found', `no key with id ${JSON.stringify(id.slice(0, 40))}`, { statusCode: 404, field: 'id' });

/**
 * The keyring over a store. The Access of a record is made once and kept beside it, so a request
 * with a known key allocates nothing here but its hash.
 */
export function createKeyring({ store, now = Date.now }: { store: KeyStore; now?: () => number }): Keyring {
  const accessOf = new WeakMap<KeyRecord, Access>();
  const check = (presented: string, r: KeyRecord | undefined): Access | undefined => {
    if (r === undefined || (r.expiresAt !== undefined && now() >= r.expiresAt) || !sameHash(hashKey(presented), r.hash)) return undefined;
    let access = accessOf.get(r);
    if (access === undefined) {
      access = Object.freeze({ keyId: r.id, tenant: r.tenant, scopes: new Set(r.scopes) });
      accessOf.set(r, access);
    }
    return access;
  };
  return {
    store,
    async create(spec) {
      const t = now();
      const s = checkKeySpec(spec.expiresInMs === undefined ? spec : { ...spec, expiresAt: t + spec.expiresInMs }, t);
      const id = randomBytes(8).toString('hex');
      const key = `mk_${id}_${randomBytes(24).toString('base64url')}`;
      const record: KeyRecord = { id, tenant: s.tenant, scopes: s.scopes, createdAt: t, hash: hashKey(key), ...(s.name === undefined ? {} : { name: s.name }), ...(s.expiresAt === undefined ? {} : { expiresAt: s.expiresAt }) };
      await store.put(record);
      return { key, info: infoOf(record) };
    },
    async list(tenant) {
      const all = await store.list();
      return all.filter((r) => tenant === undefined || r.tenant === tenant).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)).map(infoOf);
    },
    async info(id) {
      if (!KEY_ID_PATTERN.test(id)) return undefined;
      const r = await store.get(id);
      return r === undefined ? undefined : infoOf(r);
    },
    revoke: (id) => (KEY_ID_PATTERN.test(id) ? store.delete(id) : Promise.resolve(false)),
    authenticate(presented) {
      const id = keyIdOf(presented);
      if (id === undefined) return undefined;
      const r = store.get(id);
      return r instanceof Promise ? r.then((rec) => check(presented, rec)) : check(presented, r);
    },
    close: () => store.close(),
  };
}

/**
 * A keyring that also accepts one key known only to this process (never stored, gone when the
 * process is): the key the playground page is served with.
 */
export function withLocalKey(keyring: Keyring, spec: Pick<KeySpec, 'tenant' | 'scopes'>): { key: string; keyring: Keyring } {
  const s = checkKeySpec(spec, 0);
  const id = randomBytes(8).toString('hex');
  const key = `mk_${id}_${randomBytes(24).toString('base64url')}`;
  const hash = hashKey(key);
  const access: Access = Object.freeze({ keyId: id, tenant: s.tenant, scopes: new Set(s.scopes) });
  return {
    key,
    keyring: {
      ...keyring,
      authenticate: (presented) => (keyIdOf(presented) === id && sameHash(hashKey(presented), hash) ? access : keyring.authenticate(presented)),
    },
  };
}
