import type { Pipeline, Redis } from 'ioredis';
import { ApplyCommand, isNoScript, type LoadedOn } from './command.ts';
import { encodeEvent, EVENTS_PER_CALL, newScriptCall, type EncodeLimits, type RedisKeys, type ScriptCall } from './encode.ts';
import type { EventUpdates } from '../../features/index.ts';

/**
 * How the Redis adapter writes events and reads their markers: on one node (here) or on a cluster
 * (redis-cluster.ts). Batches arrive validated and non-empty; errors are the client's, unwrapped.
 */
export interface ApplyWriter {
  /** Per entry: true when this call applied it, false when it was a duplicate. */
  apply(batch: readonly EventUpdates[]): Promise<boolean[]>;
  hasAppliedEach(eventIds: readonly string[]): Promise<boolean[]>;
}

/** Results of a pipeline; the first failed command fails the call. */
function unwrap(res: [Error | null, unknown][]): unknown[] {
  return res.map(([err, v]) => {
    if (err !== null) throw err;
    return v;
  });
}

/** One node: the batch is one pipeline of script calls, each event atomic with its own marker. */
export function standaloneWriter(client: Redis, k: RedisKeys, lim: EncodeLimits): ApplyWriter {
  const loadedOn: LoadedOn = new WeakSet();

  async function sendCalls(calls: ScriptCall[]): Promise<[Error | null, unknown][]> {
    const p = client.pipeline();
    // Pipeline#sendCommand queues a prepared command (the typed pipeline API lists only named commands).
    for (const call of calls) (p as unknown as Pipeline).sendCommand(new ApplyCommand(call, loadedOn));
    const res = await p.exec();
    if (res === null) throw new Error('pipeline aborted');
    return res;
  }

  /** Sends the script calls as one pipeline; calls refused with NOSCRIPT did not run and are resent once. */
  async function runCalls(calls: ScriptCall[]): Promise<number[][]> {
    const res = await sendCalls(calls);
    const again = calls.filter((_, i) => isNoScript(res[i]?.[0]));
    if (again.length > 0) {
      const retried = await sendCalls(again);
      let j = 0;
      for (let i = 0; i < res.length; i++) if (isNoScript(res[i]?.[0])) res[i] = retried[j++] as [Error | null, unknown];
    }
    return unwrap(res) as number[][];
  }

  return {
    async apply(batch) {
      const calls: ScriptCall[] = [];
      for (let i = 0; i < batch.length; i += EVENTS_PER_CALL) {
        const call = newScriptCall(k, lim);
        const end = Math.min(batch.length, i + EVENTS_PER_CALL);
        for (let j = i; j < end; j++) encodeEvent(k, call, batch[j] as EventUpdates);
        calls.push(call);
      }
      const res = await runCalls(calls);
      const out: boolean[] = [];
      for (const flags of res) for (const f of flags) out.push(f === 1);
      return out;
    },
    async hasAppliedEach(eventIds) {
      // One MGET of the markers: one command for the batch instead of one EXISTS per event.
      const keys = new Array<string>(eventIds.length);
      for (let i = 0; i < keys.length; i++) keys[i] = k.applied(eventIds[i] as string);
      const values = await client.mget(keys);
      return values.map((v) => v !== null);
    },
  };
}
