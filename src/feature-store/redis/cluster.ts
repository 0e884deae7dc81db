import { Cluster } from 'ioredis';
import { badRequest } from '../../core/index.ts';
import type { ApplyWriter } from './apply.ts';
import { ApplyCommand, isNoScript, type LoadedOn } from './command.ts';
import {
  addShopperUpdate,
  bumpOp,
  EVENTS_PER_CALL,
  newScriptCall,
  pushShopper,
  type EncodeLimits,
  type RedisKeys,
  type ScriptCall,
  type ShopperPart,
} from './encode.ts';
import type { EventUpdates, Update } from '../../features/index.ts';

/*
 * Cluster mode of the Redis adapter. A script call may only touch keys of one hash slot, so each
 * event is split into slot groups: its updates grouped by the hash tag of their keys (every op of
 * the cluster encoding touches keys of one tag), each group with its own applied marker
 * `<base>{<tag>}:applied:<event id>` in that tag's slot. The same APPLY_SCRIPT runs the groups, one
 * call per slot carrying the groups of many events, so each group is atomic and applied at most
 * once, whatever happened to the event's other groups. When every group of the batch has landed,
 * each event gets its completion marker (`{e:<id>}:applied`, the key a single node uses), which
 * `hasApplied` reads and whose SET NX decides what `apply` reports.
 */

const CRC16 = ((): Uint16Array => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** The part of a key Redis Cluster hashes: the first non-empty `{…}`, else the whole key. */
export function hashTag(key: string): string {
  const s = key.indexOf('{');
  if (s >= 0) {
    const e = key.indexOf('}', s + 1);
    if (e > s + 1) return key.slice(s + 1, e);
  }
  return key;
}

/** The cluster hash slot of a tag (CRC16-XMODEM of its UTF-8 bytes, mod 16384). */
export function slotOfTag(tag: string): number {
  let crc = 0;
  for (const b of Buffer.from(tag, 'utf8')) crc = ((crc << 8) & 0xffff) ^ (CRC16[((crc >> 8) ^ b) & 0xff] as number);
  return crc & 16383;
}

export const keySlot = (key: string): number => slotOfTag(hashTag(key));

/** One event's updates under one hash tag: its marker, then its ops' keys; args as APPLY_SCRIPT reads one event. */
export interface SlotGroup {
  readonly tag: string;
  readonly slot: number;
  readonly keys: string[];
  readonly args: (string | Buffer)[];
}

/** The applied marker of one slot group of an event: in the group's slot. */
export const groupMarker = (k: RedisKeys, tag: string, eventId: string): string => `${k.base}{${tag}}:applied:${eventId}`;

/**
 * Splits one (validated) event into slot groups, in the order their tags first appear. `markets`
 * names the trending sets an item delete removes the item from (the script cannot walk them).
 */
export function encodeClusterEvent(k: RedisKeys, entry: EventUpdates, markets: Iterable<string>): SlotGroup[] {
  const groups = new Map<string, SlotGroup>();
  const at = (key: string): SlotGroup => {
    const tag = hashTag(key);
    let g = groups.get(tag);
    if (g === undefined) {
      g = { tag, slot: slotOfTag(tag), keys: [groupMarker(k, tag, entry.eventId)], args: ['E', '', ''] };
      groups.set(tag, g);
    }
    return g;
  };
  const op = (key: string, ...args: string[]): void => {
    const g = at(key);
    g.keys.push(key);
    for (const a of args) g.args.push(a);
  };
  let parts: ShopperPart[] | undefined;
  for (const u of entry.updates) {
    switch (u.op) {
      case 'item.trend':
        // The market set is written once per batch (clusterWriter), outside the groups.
        op(k.trend(u.market), 'T', u.market, u.item, String(Math.log2(u.weight) + u.ts / u.halfLifeMs));
        break;
      case 'item.cooc':
        op(k.cooc(u.rel, u.a), bumpOp(u.by, 'o', 'O'), u.b, String(-u.by), String(u.max - 1));
        break;
      case 'query.click':
        op(k.clicks(u.token), bumpOp(u.by, 'o', 'O'), u.item, String(-u.by), String(u.max - 1));
        break;
      case 'item.review':
        op(k.stats(u.item), 's', String(u.rating), String(u.sentiment));
        break;
      case 'item.put':
        op(k.catalog, 'i', u.item.id, JSON.stringify(u.item));
        break;
      case 'item.delete':
        op(k.catalog, 'h', u.item);
        for (const m of markets) op(k.trend(m), 'z', u.item);
        break;
      default:
        addShopperUpdate((parts ??= []), u);
    }
  }
  if (parts !== undefined) for (const p of parts) pushShopper(k, at(k.user(p.user)) as ScriptCall, p);
  for (const g of groups.values()) {
    g.args[1] = String(g.keys.length);
    g.args[2] = String(g.args.length - 3);
  }
  return Array.from(groups.values());
}

/** Script calls of one slot: up to EVENTS_PER_CALL groups each, in the order given. */
interface SlotCall extends ScriptCall {
  slot: number;
  groups: number;
}

function slotCalls(k: RedisKeys, lim: EncodeLimits, groups: readonly SlotGroup[]): SlotCall[] {
  const open = new Map<number, SlotCall>();
  const calls: SlotCall[] = [];
  for (const g of groups) {
    let call = open.get(g.slot);
    if (call === undefined || call.groups === EVENTS_PER_CALL) {
      call = { ...newScriptCall(k, lim), slot: g.slot, groups: 0 };
      open.set(g.slot, call);
      calls.push(call);
    }
    for (const key of g.keys) call.keys.push(key);
    for (const a of g.args) call.args.push(a);
    call.groups++;
  }
  return calls;
}

/** Markets named by the batch's own trend updates: an item deleted later in the batch leaves them too. */
function batchMarkets(batch: readonly EventUpdates[]): Set<string> {
  const out = new Set<string>();
  for (const e of batch) for (const u of e.updates as readonly Update[]) if (u.op === 'item.trend') out.add(u.market);
  return out;
}

const hasDelete = (batch: readonly EventUpdates[]): boolean => batch.some((e) => e.updates.some((u) => u.op === 'item.delete'));

/**
 * The cluster writer. `apply` reports true for an event when this call set its completion marker:
 * the call that finishes the event (a first delivery, or the redelivery that completes one cut
 * short between groups) reports it applied, and every later one a duplicate. An entry whose id
 * came earlier in the batch is a duplicate and is not sent.
 */
export function clusterWriter(client: Cluster, k: RedisKeys, lim: EncodeLimits): ApplyWriter {
  const loadedOn: LoadedOn = new WeakSet();

  async function send(call: SlotCall): Promise<unknown> {
    const cmd = new ApplyCommand(call, loadedOn, call.slot);
    client.sendCommand(cmd);
    try {
      return await cmd.promise;
    } catch (e) {
      // NOSCRIPT: the node lost its script cache; the call did not run, so it is resent once (as EVAL).
      if (!isNoScript(e)) throw e;
      const again = new ApplyCommand(call, loadedOn, call.slot);
      client.sendCommand(again);
      return await again.promise;
    }
  }

  return {
    async apply(batch) {
      const first = new Set<string>();
      const fresh = batch.map((e) => !first.has(e.eventId) && first.add(e.eventId) !== undefined);
      // The set of markets an item delete walks. Adding to it is idempotent, so it needs no marker:
      // once per batch, rather than a group per trend event all in the set's one slot. A delete
      // names the trending sets it leaves: those known now and those the batch adds.
      const markets = batchMarkets(batch);
      const [, known] = await Promise.all([
        markets.size > 0 ? client.sadd(k.markets, ...markets) : Promise.resolve(0),
        hasDelete(batch) ? client.smembers(k.markets) : Promise.resolve([]),
      ]);
      for (const m of known) markets.add(m);
      const groups: SlotGroup[] = [];
      for (let i = 0; i < batch.length; i++) if (fresh[i] === true) groups.push(...encodeClusterEvent(k, batch[i] as EventUpdates, markets));
      // Every call goes out at once (one write per node); a failed one fails the batch before any
      // event is marked complete, and the redelivery redoes only the groups that did not land.
      await Promise.all(slotCalls(k, lim, groups).map(send));
      const ttl = String(lim.appliedIdTtlSeconds);
      const done = await Promise.all(batch.map((e, i) => (fresh[i] === true ? client.set(k.applied(e.eventId), '1', 'EX', ttl, 'NX') : Promise.resolve(null))));
      return done.map((r) => r === 'OK');
    },
    async hasAppliedEach(eventIds) {
      // The markers lie in many slots: one EXISTS each, auto-pipelined into one write per node.
      const n = await Promise.all(eventIds.map((id) => client.exists(k.applied(id))));
      return n.map((x) => x === 1);
    },
  };
}

export interface ClusterUrl {
  nodes: { host: string; port: number }[];
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
  /** The `prefix` query parameter: the first part of every key. */
  keyPrefix: string | undefined;
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/?]*)@)?([^/?]+)\/?(?:\?(.*))?$/;

export const isClusterUrl = (url: string): boolean => /^rediss?\+cluster:\/\//.test(url);

/** Parses `redis+cluster://[user:password@]host:port[,host:port…][/?prefix=…]` (`rediss+cluster://`: TLS). */
export function parseClusterUrl(url: string): ClusterUrl {
  const m = CLUSTER_URL.exec(url);
  const bad = (why: string): never => {
    throw badRequest('option_invalid', `cluster url ${why}: expected redis+cluster://host:port[,host:port…][/?prefix=…]`, 'url');
  };
  if (m === null) return bad('is malformed');
  const [, scheme, auth, hosts, query] = m;
  const nodes = (hosts as string).split(',').map((hp) => {
    const hm = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(hp);
    if (hm === null) return bad(`has a bad node "${hp}"`);
    const port = hm[2] === undefined ? 6379 : Number(hm[2]);
    if (port < 1 || port > 65535) return bad(`has a bad port in "${hp}"`);
    return { host: (hm[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
  });
  let username: string | undefined;
  let password: string | undefined;
  if (auth !== undefined && auth !== '') {
    const c = auth.indexOf(':');
    username = decodeURIComponent(c < 0 ? auth : auth.slice(0, c)) || undefined;
    password = c < 0 ? undefined : decodeURIComponent(auth.slice(c + 1));
  }
  const params = new URLSearchParams(query ?? '');
  for (const key of params.keys()) if (key !== 'prefix') bad(`has an unknown parameter "${key}"`);
  return { nodes, username, password, tls: scheme === 'rediss', keyPrefix: params.get('prefix') ?? undefined };
}

export interface ClusterClientOptions {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxReconnectDelayMs: number;
  connectionName: string;
}

/** A cluster client that fails fast during an outage (as the single-node one does) and routes each command to its slot's primary. */
export function createClusterClient(u: ClusterUrl, o: ClusterClientOptions): Cluster {
  return new Cluster(u.nodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    // Single-key reads and marker checks issued together go out as one write per node.
    enableAutoPipelining: true,
    scaleReads: 'master',
    clusterRetryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 16), o.maxReconnectDelayMs),
    redisOptions: {
      username: u.username,
      password: u.password,
      ...(u.tls ? { tls: {} } : {}),
      connectTimeout: o.connectTimeoutMs,
      commandTimeout: o.commandTimeoutMs,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectionName: o.connectionName,
    },
  });
}
