import type { Admin, Consumer, EachBatchPayload, Kafka, Message, Producer } from 'kafkajs';
import type { Instrumentation, Logger } from '../../core/index.ts';
import type { EventType } from '../../ingest/index.ts';
import { ChunkQueue, type Chunk } from './chunks.ts';
import { ABANDONED, createDelivery, type Deliver } from './delivery.ts';
import { createCommitter, createLagTracker, type Committer, type LagTracker } from './offsets.ts';
import { decodeBatch, type KafkaDeadReason } from './messages.ts';
import type { BusHandler } from '../port.ts';

/** How a Kafka subscription starts and what it delivers (beyond the EventBus port). */
export interface KafkaSubscribeOptions {
  /**
   * Start this group where `group` has committed (the beginning where it has not), on its first
   * join. A follower that rebuilds its state from what that group applied then misses nothing.
   */
  startFrom?: { group: string };
  /** Deliver only these event types; the rest are skipped (by their type header) and committed. */
  types?: readonly EventType[];
  /** The group belongs to this subscription alone: it is deleted from the cluster when the subscription closes. */
  ephemeral?: boolean;
}

export interface ConsumerTuning {
  /** Most records in one handler call. */
  maxBatch: number;
  /**
   * Most handler calls in flight at once. Calls never share a partition, so one shopper's events
   * are still handled one call after another, in order; the handler must allow concurrent calls
   * for different shoppers (the online updater does).
   */
  concurrency: number;
  /** Records fetched but not yet handled at which fetching pauses; it resumes at half. */
  maxQueued: number;
  /** Retries of a failing handler call before its events are tried apart and the failing ones dead-lettered. */
  retries: number;
  retryBackoffMs: number;
  maxBackoffMs: number;
  /** Longest wait of one fetch for new messages (also bounds how long close waits for a fetch). */
  maxWaitMs: number;
  /** How often the lag of assigned partitions is measured against the log end. */
  lagIntervalMs: number;
  sessionTimeoutMs: number;
  /** How long close waits for the handler call in flight before leaving without committing it. */
  closeTimeoutMs: number;
}

export const DEFAULT_CONSUMER_TUNING: Readonly<ConsumerTuning> = Object.freeze({
  maxBatch: 1000,
  concurrency: 4,
  maxQueued: 10_000,
  retries: 3,
  retryBackoffMs: 100,
  maxBackoffMs: 5000,
  maxWaitMs: 250,
  lagIntervalMs: 5000,
  sessionTimeoutMs: 30_000,
  closeTimeoutMs: 30_000,
});

export interface GroupConsumerDeps {
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  topic: string;
  deadLetterTopic: string;
  group: string;
  handler: BusHandler;
  logger: Logger;
  instrumentation: Instrumentation;
  tuning: ConsumerTuning;
  options?: KafkaSubscribeOptions;
}

export interface GroupConsumer {
  /** False once the consumer crashed for good. */
  healthy(): boolean;
  /** Finishes the handler call in flight, commits, leaves the group. */
  close(): Promise<void>;
}

/** What one running group consumer knows; the parts below read and change it. */
interface ConsumerState extends GroupConsumerDeps {
  readonly consumer: Consumer;
  /** Event types delivered; undefined: all. */
  readonly types: ReadonlySet<string> | undefined;
  /** Where the first join starts each partition (options.startFrom). */
  readonly startFrom: ReadonlyMap<number, number> | undefined;
  readonly lag: LagTracker;
  readonly committer: Committer;
  readonly deliver: Deliver;
  /** The generation of the assignment: work of an older one is given up and never committed. */
  epoch: number;
  joins: number;
  closing: boolean;
  crashed: boolean;
  /** Whether fetching is paused for backpressure. */
  paused: boolean;
  readonly queue: ChunkQueue;
  /** Handler calls in flight, and the partitions they hold. */
  readonly inFlight: Set<Promise<void>>;
  readonly busy: Set<number>;
  /** Ends the backoff sleep in progress (on close). */
  wake: (() => void) | undefined;
  lagTimer: NodeJS.Timeout | undefined;
}

/**
 * One consumer group on the events topic. Fetching and handling overlap: fetched batches are parsed
 * into a bounded queue (fetching pauses when it is full) from which handler calls take them, each
 * partition in order and in one call at a time, and commit once handled. Offsets are committed only for handled events, so delivery is at least once;
 * the handler's idempotent apply makes the effect exactly once. Messages that do not parse go to the
 * dead-letter topic at once; a handler call that keeps failing is retried with backoff, then split
 * until the failing events are alone, and those are dead-lettered, so nothing blocks a partition.
 * A retriable MeridianError is an outage: it is retried until it passes or the consumer closes.
 */
export async function startGroupConsumer(deps: GroupConsumerDeps): Promise<GroupConsumer> {
  const s = await createState(deps);
  const { consumer, topic } = s;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => onGroupJoin(s, new Set(payload.memberAssignment[topic] ?? [])));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) s.crashed = true;
    s.logger.error('kafka consumer crashed', { group: s.group, restart: payload.restart, err: payload.error });
  });
  s.lagTimer = startLagProbe(s);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    // Resolves once the group is joined; fetching goes on in the background.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch: (payload) => eachBatch(s, payload) });
  } catch (e) {
    clearInterval(s.lagTimer);
    await consumer.disconnect().catch(() => undefined);
    throw e;
  }
  return {
    healthy: () => !s.crashed && !s.closing,
    close: () => closeConsumer(s),
  };
}

async function createState(deps: GroupConsumerDeps): Promise<ConsumerState> {
  const { kafka, admin, topic, group, handler, logger, instrumentation, tuning } = deps;
  const types = deps.options?.types === undefined ? undefined : new Set<string>(deps.options.types);
  const startFrom = deps.options?.startFrom === undefined ? undefined : await committedOffsets(admin, deps.options.startFrom.group, topic);
  const consumer: Consumer = kafka.consumer({
    groupId: group,
    maxWaitTimeInMs: tuning.maxWaitMs,
    sessionTimeout: tuning.sessionTimeoutMs,
    allowAutoTopicCreation: false,
  });
  const s: ConsumerState = {
    ...deps,
    consumer,
    types,
    startFrom,
    lag: createLagTracker(topic, instrumentation),
    committer: createCommitter({ consumer, topic, group, logger, instrumentation }),
    deliver: createDelivery({
      ...tuning,
      handler,
      topic,
      group,
      live: (at) => !s.closing && at === s.epoch,
      sleep: (ms) => sleep(s, ms),
      sendDeadLetters: (letters, reasons) => sendDeadLetters(s, letters, reasons),
      logger,
      instrumentation,
    }),
    epoch: 0,
    joins: 0,
    closing: false,
    crashed: false,
    paused: false,
    queue: new ChunkQueue(),
    inFlight: new Set(),
    busy: new Set(),
    wake: undefined,
    lagTimer: undefined,
  };
  return s;
}

/** A backoff wait that `s.wake` ends early. */
function sleep(s: ConsumerState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      s.wake = undefined;
      resolve();
    }
    s.wake = done;
  });
}

function setPaused(s: ConsumerState, on: boolean): void {
  if (s.paused === on) return;
  s.paused = on;
  if (on) s.consumer.pause([{ topic: s.topic }]);
  else s.consumer.resume([{ topic: s.topic }]);
  s.instrumentation.emit('kafka.backpressure', { group: s.group, paused: on });
}

async function sendDeadLetters(s: ConsumerState, letters: Message[], reasons: KafkaDeadReason[]): Promise<void> {
  await s.producer.send({ topic: s.deadLetterTopic, acks: -1, messages: letters });
  for (const reason of reasons) s.instrumentation.emit('deadletter.written', { source: 'kafka', reason });
  s.logger.warn('messages dead-lettered', { topic: s.deadLetterTopic, count: letters.length, reason: reasons[0] });
}

/** Parses a fetched batch, dead-letters what does not parse, queues the rest in chunks. */
async function eachBatch(s: ConsumerState, { batch, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
  const last = batch.messages[batch.messages.length - 1];
  if (s.closing || s.crashed || last === undefined || !isRunning() || isStale()) return;
  const { partition } = batch;
  const { records, messages, letters, reasons } = decodeBatch(batch, s.types);
  if (letters.length > 0) await sendDeadLetters(s, letters, reasons); // if this throws, kafkajs fetches the batch again
  if (s.closing) return;
  s.queue.pushBatch(s.epoch, partition, records, messages, Number(last.offset) + 1, s.tuning.maxBatch);
  // Moves the fetch position only; commits happen once the events are handled.
  resolveOffset(last.offset);
  s.lag.fetched(partition, Number(batch.messages[0]?.offset ?? last.offset), Number(batch.highWatermark));
  if (s.queue.size >= s.tuning.maxQueued) setPaused(s, true);
  kick(s);
}

/** Starts handler calls while there is work for a free partition and room for another call. */
function kick(s: ConsumerState): void {
  while (!s.closing && !s.crashed && s.inFlight.size < s.tuning.concurrency) {
    const chunks = s.queue.take(s.busy, s.tuning.maxBatch);
    if (s.queue.size <= s.tuning.maxQueued / 2) setPaused(s, false);
    if (chunks.length === 0) return;
    for (const c of chunks) s.busy.add(c.partition);
    const call: Promise<void> = handleChunks(s, chunks)
      .catch((e: unknown) => stopAfterFault(s, e))
      .then(() => {
        for (const c of chunks) s.busy.delete(c.partition);
        s.inFlight.delete(call);
        // A handler on in-memory stores never waits on I/O: yield, so fetches, heartbeats and timers run.
        setImmediate(kick, s);
      });
    s.inFlight.add(call);
  }
}

/**
 * Not a handler failure (those are retried or dead-lettered): a fault here. Commit nothing more and
 * report unhealthy, so the process is restarted and resumes from the last commit.
 */
function stopAfterFault(s: ConsumerState, e: unknown): void {
  s.crashed = true;
  s.epoch++;
  s.queue.clear();
  setPaused(s, true);
  s.logger.error('kafka consumer stopped committing after an internal failure', { group: s.group, err: e });
}

/** One handler call (with its retries and dead letters), then the commit of what it handled. */
async function handleChunks(s: ConsumerState, chunks: Chunk[]): Promise<void> {
  const at = (chunks[0] as Chunk).epoch;
  const records = chunks.length === 1 ? (chunks[0] as Chunk).records : chunks.flatMap((c) => c.records);
  if (records.length > 0) {
    const messages = chunks.length === 1 ? (chunks[0] as Chunk).messages : chunks.flatMap((c) => c.messages);
    if ((await s.deliver(records, messages, at)) === ABANDONED) return;
  }
  if (at !== s.epoch) return; // the partitions moved on: their new owner starts from the last commit
  for (const c of chunks) {
    s.committer.mark(c.partition, c.next);
    s.lag.handled(c.partition, c.next);
  }
}

/** A rebalance gave this member `assigned`: a new generation starts. */
function onGroupJoin(s: ConsumerState, assigned: ReadonlySet<number>): void {
  s.epoch++;
  s.joins++;
  // Queued chunks are fetched again from the committed offsets by whoever owns them now.
  s.queue.clear();
  s.committer.keep(assigned);
  s.lag.assign(assigned);
  if (s.joins === 1 && s.startFrom !== undefined) {
    for (const p of assigned) {
      const offset = s.startFrom.get(p);
      if (offset !== undefined && offset >= 0) s.consumer.seek({ topic: s.topic, partition: p, offset: String(offset) });
    }
  }
  setPaused(s, false);
  s.logger.info('joined consumer group', { group: s.group, topic: s.topic, partitions: [...assigned] });
}

/** Measures the log end of the followed partitions now and then, so a stuck handler shows as lag. */
function startLagProbe(s: ConsumerState): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (s.closing || !s.lag.following()) return;
    s.admin.fetchTopicOffsets(s.topic).then(
      (ends) => s.lag.probed(ends),
      (e: unknown) => s.logger.debug('lag probe failed', { err: e }),
    );
  }, s.tuning.lagIntervalMs);
  timer.unref();
  return timer;
}

/** Finishes the handler calls in flight (up to closeTimeoutMs), commits them, leaves the group. */
async function closeConsumer(s: ConsumerState): Promise<void> {
  if (s.closing) return;
  s.closing = true;
  clearInterval(s.lagTimer);
  s.wake?.();
  s.queue.clear();
  try {
    s.consumer.pause([{ topic: s.topic }]);
  } catch {
    // not running: nothing to pause
  }
  if (await inFlightTimedOut(s)) {
    s.epoch++; // if a call ever ends, its events are not committed here: they are delivered again
    s.logger.warn('handler calls in flight did not finish in time; their events will be delivered again', { group: s.group });
  } else {
    await s.committer.flush();
  }
  s.lag.clear();
  // Stops fetching and leaves the group, so its partitions move to the other members at once.
  await s.consumer.disconnect();
  if (s.options?.ephemeral === true) {
    await s.admin.deleteGroups([s.group]).catch((e: unknown) => s.logger.warn('could not delete the consumer group', { group: s.group, err: e }));
  }
}

/** Waits for the handler calls in flight; true when closeTimeoutMs passed first. */
async function inFlightTimedOut(s: ConsumerState): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    Promise.all(s.inFlight).then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), s.tuning.closeTimeoutMs))),
  ]);
  clearTimeout(timer);
  return timedOut;
}

/** The committed offset of each partition of `topic` in `group`; -1 where it has none. */
async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  for (const p of entry?.partitions ?? []) out.set(p.partition, Number(p.offset));
  return out;
}
