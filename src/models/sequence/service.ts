import { MeridianError, type Logger } from '../../core/index.ts';
import { shopperKey, type MeridianEvent } from '../../ingest/index.ts';
import { DEFAULT_PARAMS, type ModelParams } from './model.ts';
import { checkSequenceOptions, rankWith, type OnlineSequenceOptions, type OnlineSequenceSize, type SequenceRanking } from './online.ts';
import { sequenceItem, type OnlineSequenceModel } from './events.ts';
import type { ThreadReply, ThreadRequest } from './thread.ts';
import { SequenceThread, STEP_BATCH, StepBatch } from './thread-link.ts';

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
  const thread = new SequenceThread(logger);
  const steps = new StepBatch(
    (m) => thread.postSteps(m),
    () => thread.failure === undefined,
  );
  thread.post({ t: 'init', options, params: sent });

  const add = (e: MeridianEvent, follow: boolean): void => {
    if (thread.failure !== undefined) return; // nothing can rank with it any more: keep nothing
    const item = sequenceItem(e);
    const key = item === undefined ? undefined : shopperKey(e);
    if (key === undefined || item === undefined) return;
    steps.push(key, item, e.ts, e.id, follow);
  };
  const ask = (build: (id: number) => ThreadRequest): Promise<ThreadReply> => {
    if (thread.failure !== undefined) return Promise.reject(thread.failure);
    steps.flush();
    return thread.request(build);
  };

  return {
    observe: (e) => add(e, false),
    follow: (e) => add(e, true),
    async rank(key, n, skip, skipHistory) {
      const p = params();
      if (p !== sent) {
        sent = p;
        thread.post({ t: 'params', params: p });
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
    settle(n) {
      steps.flush();
      return thread.settle(n);
    },
    backlog: () => (thread.failure === undefined ? thread.settling.backlog() + steps.length : 0),
    healthy: () => thread.failure === undefined,
    close: () => thread.close(),
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
