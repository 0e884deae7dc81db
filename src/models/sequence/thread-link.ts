import type { Worker } from 'node:worker_threads';
import { MeridianError, tsWorker, unavailable, type Logger } from '../../core/index.ts';
import type { ThreadReply, ThreadRequest } from './thread.ts';

/**
 * The serving thread's side of `createThreadedSequence` (./service.ts): the worker and everything
 * that waits on it. `SequenceThread` owns the worker's lifecycle and the requests waiting for a
 * reply, `SettleQueue` the callers of `settle` waiting for steps to be applied, `StepBatch` the
 * steps observed but not posted yet.
 */

/** Steps sent to the thread in one message at most; a full buffer is sent at once. */
export const STEP_BATCH = 4096;

export type StepsMessage = Extract<ThreadRequest, { t: 'steps' }>;

interface Pending {
  resolve(reply: ThreadReply): void;
  reject(e: unknown): void;
}

interface Settling {
  steps: number;
  resolve(): void;
}

/**
 * Steps posted and applied, and the callers of `settle` waiting until at most their `steps` posted
 * steps are not applied yet. No worker here: `SequenceThread` counts and releases.
 */
export class SettleQueue {
  posted = 0;
  applied = 0;
  private readonly waiting: Settling[] = [];

  /** Posted steps the thread has not applied yet. */
  backlog(): number {
    return this.posted - this.applied;
  }

  settled(steps: number): boolean {
    return this.posted - this.applied <= steps;
  }

  wait(steps: number, resolve: () => void): void {
    this.waiting.push({ steps, resolve });
  }

  /** Resolves the waiters now settled (every one when `all`), calling `done` before each resolves. */
  release(all: boolean, done: () => void): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const s = this.waiting[i] as Settling;
      if (all || this.posted - this.applied <= s.steps) {
        this.waiting.splice(i, 1);
        done();
        s.resolve();
      }
    }
  }
}

/**
 * The worker running ./thread.ts. It keeps the process alive only while something waits for it (a
 * ranking, a settle): an idle model must not hold a process open, and a waiting caller must not see
 * it exit. Its first failure (a failed model, an error, an exit, `close`) is final: every waiting
 * request is rejected with it, every settle resolved, and nothing is posted any more.
 */
export class SequenceThread {
  failure: MeridianError | undefined;
  readonly settling = new SettleQueue();
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private waiting = 0;

  constructor(private readonly logger: Logger) {
    this.worker = tsWorker(new URL('./thread.ts', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (m: ThreadReply) => this.receive(m));
    this.worker.on('error', (err) => {
      logger.error('sequence model thread failed', { err });
      this.fail(unavailable('sequence_unavailable', 'the sequence model thread failed', err));
    });
    this.worker.on('exit', (code) => this.fail(unavailable('sequence_unavailable', `the sequence model thread exited (${code})`)));
  }

  post(m: ThreadRequest): void {
    this.worker.postMessage(m);
  }

  postSteps(m: StepsMessage): void {
    this.settling.posted += m.keys.length;
    this.post(m);
  }

  /** Posts the request `build` makes with a fresh id and resolves with the thread's reply to it. */
  request(build: (id: number) => ThreadRequest): Promise<ThreadReply> {
    const id = this.nextId++;
    return new Promise<ThreadReply>((resolve, reject) => {
      this.wait();
      this.pending.set(id, { resolve, reject });
      this.post(build(id));
    });
  }

  /** Resolves once at most `steps` posted steps wait to be applied, or the thread has failed. */
  settle(steps: number): Promise<void> {
    if (this.failure !== undefined || this.settling.settled(steps)) return Promise.resolve();
    this.wait();
    return new Promise<void>((resolve) => this.settling.wait(steps, resolve));
  }

  fail(e: MeridianError): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    for (const p of this.pending.values()) {
      p.reject(e);
      this.done();
    }
    this.pending.clear();
    this.release();
  }

  async close(): Promise<void> {
    this.fail(unavailable('sequence_closed', 'the sequence model is closed'));
    await this.worker.terminate();
  }

  private receive(m: ThreadReply): void {
    if (m.t === 'applied') {
      this.settling.applied += m.steps;
      this.release();
      return;
    }
    if (m.t === 'failed' && m.id === undefined) {
      this.logger.error('sequence model thread failed', { err: m.message });
      this.fail(unavailable('sequence_unavailable', `the sequence model failed: ${m.message}`));
      return;
    }
    const p = m.id === undefined ? undefined : this.pending.get(m.id);
    if (p === undefined || m.id === undefined) return;
    this.pending.delete(m.id);
    this.done();
    if (m.t === 'failed') p.reject(new MeridianError('sequence_failed', m.message));
    else p.resolve(m);
  }

  private release(): void {
    this.settling.release(this.failure !== undefined, this.done);
  }

  private wait(): void {
    if (this.waiting++ === 0) this.worker.ref();
  }

  private readonly done = (): void => {
    if (--this.waiting === 0) this.worker.unref();
  };
}

/**
 * The steps observed since the last post, as the parallel arrays of one 'steps' message. They are
 * posted once per microtask (or at STEP_BATCH), and `flush` posts them at once before any request.
 */
export class StepBatch {
  private keys: string[] = [];
  private items: string[] = [];
  private ts: number[] = [];
  private ids: string[] = [];
  private once: boolean[] = [];
  private scheduled = false;

  constructor(
    private readonly post: (m: StepsMessage) => void,
    /** False once nothing may be posted any more (the thread failed): what waits then stays unsent. */
    private readonly open: () => boolean,
  ) {}

  get length(): number {
    return this.keys.length;
  }

  push(key: string, item: string, ts: number, id: string, once: boolean): void {
    this.keys.push(key);
    this.items.push(item);
    this.ts.push(ts);
    this.ids.push(id);
    this.once.push(once);
    if (this.keys.length >= STEP_BATCH) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(this.flush);
    }
  }

  readonly flush = (): void => {
    this.scheduled = false;
    if (this.keys.length === 0 || !this.open()) return;
    this.post({ t: 'steps', keys: this.keys, items: this.items, ts: this.ts, ids: this.ids, once: this.once });
    this.keys = [];
    this.items = [];
    this.ts = [];
    this.ids = [];
    this.once = [];
  };
}
