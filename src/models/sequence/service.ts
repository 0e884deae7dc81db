import type { Worker } from 'node:worker_threads';
import { MeridianError, tsWorker, unavailable, type Logger } from '../../core/index.ts';
import { shopperKey, type MeridianEvent } from '../../ingest/index.ts';
import { DEFAULT_PARAMS, type ModelParams } from './model.ts';
import { checkSequenceOptions, rankWith, type OnlineSequenceOptions, type OnlineSequenceSize, type SequenceRanking } from './online.ts';
import { sequenceItem, type OnlineSequenceModel } from './events.ts';
import type { ThreadReply, ThreadRequest } from './thread.ts';

/**
 * A tenant's sequence model as the engine uses it: fed with every applied event, asked for a
 * shopper's ranking. Either in the serving thread (`inlineSequence`) or on a thread of its own
 * (`createThreadedSequence`), where scoring, about half of a recommendation's CPU, runs beside
 * the requests and events of the serving thread. Both rank exactly alike, and a ranking always
 * reads every event observed before it was asked for, so a shopper's click changes their next one.
 */
export interface SequenceService {
  /** Appends the event's interaction to its shopper's sequence (other events add nothing). */
  observe(e: MeridianEvent): void;
  /** The same for a follower that may see an event twice: events at or before the shopper's last are skipped. */
  follow(e: MeridianEvent): void;
  /** The shopper's history and its n best items, leaving out `skip` and, with `skipHistory`, the history. */
  rank(key: string, n: number, skip: Iterable<string>, skipHistory: boolean): Promise<SequenceRanking>;
  size(): Promise<OnlineSequenceSize>;
  /** Resolves once at most `steps` observed events wait to be applied (always at once inline). */
  settle(steps: number): Promise<void>;
  /** Observed events not applied yet (0 inline). */
  backlog(): number;
  /** False once the model can no longer rank (its thread failed, or it is closed): readiness reports it. */
  healthy(): boolean;
  close(): Promise<void>;
}

export function inlineSequence(model: OnlineSequenceModel): SequenceService {
  return {
    observe: (e) => void model.observe(e),
    follow: (e) => void model.follow(e),
    rank: async (key, n, skip, skipHistory) => rankWith(model, key, n, skip, skipHistory),
    size: async () => model.size(),
    settle: async () => undefined,
    backlog: () => 0,
    healthy: () => true,
    close: async () => undefined,
  };
}

/** Steps sent to the thread in one message at most; a full buffer is sent at once. */
const STEP_BATCH = 4096;

interface Pending {
  resolve(reply: ThreadReply): void;
  reject(e: unknown): void;
}

export interface ThreadedSequenceOptions extends OnlineSequenceOptions {
  logger: Logger;
}

/**
 * The sequence model on a worker thread. Steps are buffered and sent once per microtask (or per
 * STEP_BATCH), always before any later request, and the thread handles messages in order: that
 * order is what makes a ranking read every event observed before it. The model in service's
 * parameters are read per ranking and sent when they change. If the thread dies, rankings fail
 * with 503 `sequence_unavailable` and the error is logged; a restart rebuilds the model.
 */
export function createThreadedSequence({ params = () => DEFAULT_PARAMS, logger, ...options }: ThreadedSequenceOptions): SequenceService {
  checkSequenceOptions(options);
  let sent: ModelParams = params();
  const worker: Worker = tsWorker(new URL('./thread.ts', import.meta.url));
  // The thread keeps the process alive only while something waits for it (a ranking, a settle):
  // an idle model must not hold a process open, and a waiting caller must not see it exit.
  worker.unref();
  let waiting = 0;
  const wait = (): void => {
    if (waiting++ === 0) worker.ref();
  };
  const done = (): void => {
    if (--waiting === 0) worker.unref();
  };
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: MeridianError | undefined;
  const post = (m: ThreadRequest): void => worker.postMessage(m);
  post({ t: 'init', options, params: sent });

  let keys: string[] = [];
  let items: string[] = [];
  let ts: number[] = [];
  let ids: string[] = [];
  let once: boolean[] = [];
  let scheduled = false;
  let posted = 0;
  let applied = 0;
  const settling: { steps: number; resolve(): void }[] = [];

  function flush(): void {
    scheduled = false;
    if (keys.length === 0 || failure !== undefined) return;
    posted += keys.length;
    post({ t: 'steps', keys, items, ts, ids, once });
    keys = [];
    items = [];
    ts = [];
    ids = [];
    once = [];
  }

  function add(e: MeridianEvent, follow: boolean): void {
    if (failure !== undefined) return; // nothing can rank with it any more: keep nothing
    const item = sequenceItem(e);
    const key = item === undefined ? undefined : shopperKey(e);
    if (key === undefined || item === undefined) return;
    keys.push(key);
    items.push(item);
    ts.push(e.ts);
    ids.push(e.id);
    once.push(follow);
    if (keys.length >= STEP_BATCH) flush();
    else if (!scheduled) {
      scheduled = true;
      queueMicrotask(flush);
    }
  }

  function release(): void {
    for (let i = settling.length - 1; i >= 0; i--) {
      const s = settling[i] as { steps: number; resolve(): void };
      if (failure !== undefined || posted - applied <= s.steps) {
        settling.splice(i, 1);
        done();
        s.resolve();
      }
    }
  }

  function fail(e: MeridianError): void {
    if (failure !== undefined) return;
    failure = e;
    for (const p of pending.values()) {
      p.reject(e);
      done();
    }
    pending.clear();
    release();
  }

  worker.on('message', (m: ThreadReply) => {
    if (m.t === 'applied') {
      applied += m.steps;
      release();
      return;
    }
    if (m.t === 'failed' && m.id === undefined) {
      logger.error('sequence model thread failed', { err: m.message });
      fail(unavailable('sequence_unavailable', `the sequence model failed: ${m.message}`));
      return;
    }
    const p = m.id === undefined ? undefined : pending.get(m.id);
    if (p === undefined || m.id === undefined) return;
    pending.delete(m.id);
    done();
    if (m.t === 'failed') p.reject(new MeridianError('sequence_failed', m.message));
    else p.resolve(m);
  });
  worker.on('error', (err) => {
    logger.error('sequence model thread failed', { err });
    fail(unavailable('sequence_unavailable', 'the sequence model thread failed', err));
  });
  worker.on('exit', (code) => fail(unavailable('sequence_unavailable', `the sequence model thread exited (${code})`)));

  function ask(build: (id: number) => ThreadRequest): Promise<ThreadReply> {
    if (failure !== undefined) return Promise.reject(failure);
    flush();
    const id = nextId++;
    return new Promise<ThreadReply>((resolve, reject) => {
      wait();
      pending.set(id, { resolve, reject });
      post(build(id));
    });
  }

  return {
    observe: (e) => add(e, false),
    follow: (e) => add(e, true),
    async rank(key, n, skip, skipHistory) {
      const p = params();
      if (p !== sent) {
        sent = p;
        post({ t: 'params', params: p });
      }
      const reply = await ask((id) => ({ t: 'rank', id, key, n, skip: Array.from(skip), skipHistory }));
      if (reply.t !== 'rank') throw new MeridianError('sequence_failed', `unexpected reply ${reply.t}`);
      return { history: reply.history, hits: reply.hits };
    },
    async size() {
      const reply = await ask((id) => ({ t: 'size', id }));
      if (reply.t !== 'size') throw new MeridianError('sequence_failed', `unexpected reply ${reply.t}`);
      return reply.size;
    },
    settle(steps) {
      flush();
      if (failure !== undefined || posted - applied <= steps) return Promise.resolve();
      wait();
      return new Promise<void>((resolve) => settling.push({ steps, resolve }));
    },
    backlog: () => (failure === undefined ? posted - applied + keys.length : 0),
    healthy: () => failure === undefined,
    async close() {
      fail(unavailable('sequence_closed', 'the sequence model is closed'));
      await worker.terminate();
    },
  };
}

/** Feeds a tenant's stored events (event time order) to `service`, as the updater would have, and waits until it has them. */
export async function restoreInto(service: SequenceService, events: AsyncIterable<MeridianEvent>): Promise<SequenceService> {
  let n = 0;
  for await (const e of events) {
    service.observe(e);
    // Reading may outrun the thread: this bounds what waits in between.
    if (++n % STEP_BATCH === 0) await service.settle(16 * STEP_BATCH);
  }
  await service.settle(0);
  return service;
}
