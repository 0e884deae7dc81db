import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Message, Producer } from 'kafkajs';
import type { Instrumentation, Logger } from '../../core/index.ts';
import type { EventType } from '../../ingest/index.ts';
import { ABANDONED, createDelivery } from './delivery.ts';
import { createCommitter, createLagTracker } from './offsets.ts';
import { decodeBatch, type KafkaDeadReason } from './messages.ts';
import type { BusHandler, BusRecord } from '../port.ts';

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

/** Records of one partition, fetched together, committed together once handled. */
interface Chunk {
  epoch: number;
  partition: number;
  records: BusRecord[];
  /** The source message of each record (for dead letters). */
  messages: KafkaMessage[];
  /** The offset to commit once this chunk is handled. */
  next: number;
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
  const { kafka, admin, producer, topic, deadLetterTopic, group, handler, logger, instrumentation, tuning } = deps;
  const types = deps.options?.types === undefined ? undefined : new Set<string>(deps.options.types);
  const startFrom = deps.options?.startFrom === undefined ? undefined : await committedOffsets(admin, deps.options.startFrom.group, topic);
  const consumer: Consumer = kafka.consumer({
    groupId: group,
    maxWaitTimeInMs: tuning.maxWaitMs,
    sessionTimeout: tuning.sessionTimeoutMs,
    allowAutoTopicCreation: false,
  });

  let epoch = 0;
  let joins = 0;
  let closing = false;
  let crashed = false;
  let paused = false;
  let queued = 0;
  const queue: Chunk[] = [];
  /** Handler calls in flight, and the partitions they hold. */
  const inFlight = new Set<Promise<void>>();
  const busy = new Set<number>();
  let wake: (() => void) | undefined;
  const lag = createLagTracker(topic, instrumentation);
  const committer = createCommitter({ consumer, topic, group, logger, instrumentation });

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const deliver = createDelivery({
    ...tuning,
    handler,
    topic,
    group,
    live: (at) => !closing && at === epoch,
    sleep,
    sendDeadLetters,
    logger,
    instrumentation,
  });

  function setPaused(on: boolean): void {
    if (paused === on) return;
    paused = on;
    if (on) consumer.pause([{ topic }]);
    else consumer.resume([{ topic }]);
    instrumentation.emit('kafka.backpressure', { group, paused: on });
  }

  async function sendDeadLetters(letters: Message[], reasons: KafkaDeadReason[]): Promise<void> {
    await producer.send({ topic: deadLetterTopic, acks: -1, messages: letters });
    for (const reason of reasons) instrumentation.emit('deadletter.written', { source: 'kafka', reason });
    logger.warn('messages dead-lettered', { topic: deadLetterTopic, count: letters.length, reason: reasons[0] });
  }

  /** Parses a fetched batch, dead-letters what does not parse, queues the rest in chunks. */
  async function eachBatch({ batch, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const last = batch.messages[batch.messages.length - 1];
    if (closing || crashed || last === undefined || !isRunning() || isStale()) return;
    const { partition } = batch;
    const { records, messages, letters, reasons } = decodeBatch(batch, types);
    if (letters.length > 0) await sendDeadLetters(letters, reasons); // if this throws, kafkajs fetches the batch again
    if (closing) return;
    // Pieces of at most maxBatch records; the last one's commit also covers what was skipped.
    for (let i = 0; i < records.length || i === 0; i += tuning.maxBatch) {
      const isLast = i + tuning.maxBatch >= records.length;
      const piece = isLast && i === 0 ? records : records.slice(i, i + tuning.maxBatch);
      const next = isLast ? Number(last.offset) + 1 : (piece[piece.length - 1] as BusRecord).offset + 1;
      queue.push({ epoch, partition, records: piece, messages: piece === records ? messages : messages.slice(i, i + tuning.maxBatch), next });
      queued += piece.length;
    }
    // Moves the fetch position only; commits happen once the events are handled.
    resolveOffset(last.offset);
    lag.fetched(partition, Number(batch.messages[0]?.offset ?? last.offset), Number(batch.highWatermark));
    if (queued >= tuning.maxQueued) setPaused(true);
    kick();
  }

  /** Starts handler calls while there is work for a free partition and room for another call. */
  function kick(): void {
    while (!closing && !crashed && inFlight.size < tuning.concurrency) {
      const chunks = take();
      if (chunks.length === 0) return;
      for (const c of chunks) busy.add(c.partition);
      const call: Promise<void> = handleChunks(chunks)
        .catch((e: unknown) => {
          // Not a handler failure (those are retried or dead-lettered): a fault here. Commit nothing
          // more and report unhealthy, so the process is restarted and resumes from the last commit.
          crashed = true;
          epoch++;
          queue.length = 0;
          queued = 0;
          setPaused(true);
          logger.error('kafka consumer stopped committing after an internal failure', { group, err: e });
        })
        .then(() => {
          for (const c of chunks) busy.delete(c.partition);
          inFlight.delete(call);
          // A handler on in-memory stores never waits on I/O: yield, so fetches, heartbeats and timers run.
          setImmediate(kick);
        });
      inFlight.add(call);
    }
  }

  /**
   * The next call's chunks: queued chunks of partitions without a call in flight, oldest first, up
   * to maxBatch records. Once a chunk of a partition is passed over, later ones are too (order).
   */
  function take(): Chunk[] {
    const out: Chunk[] = [];
    const passed = new Set<number>();
    let size = 0;
    for (let i = 0; i < queue.length; ) {
      const c = queue[i] as Chunk;
      if (busy.has(c.partition) || passed.has(c.partition) || (out.length > 0 && size + c.records.length > tuning.maxBatch)) {
        passed.add(c.partition);
        i++;
        continue;
      }
      out.push(c);
      size += c.records.length;
      queue.splice(i, 1);
    }
    queued -= size;
    if (queued <= tuning.maxQueued / 2) setPaused(false);
    return out;
  }

  async function handleChunks(chunks: Chunk[]): Promise<void> {
    const at = (chunks[0] as Chunk).epoch;
    const records = chunks.length === 1 ? (chunks[0] as Chunk).records : chunks.flatMap((c) => c.records);
    if (records.length > 0) {
      const messages = chunks.length === 1 ? (chunks[0] as Chunk).messages : chunks.flatMap((c) => c.messages);
      if ((await deliver(records, messages, at)) === ABANDONED) return;
    }
    if (at !== epoch) return; // the partitions moved on: their new owner starts from the last commit
    for (const c of chunks) {
      committer.mark(c.partition, c.next);
      lag.handled(c.partition, c.next);
    }
  }

  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    epoch++;
    joins++;
    // Queued chunks are fetched again from the committed offsets by whoever owns them now.
    queue.length = 0;
    queued = 0;
    const assigned = new Set(payload.memberAssignment[topic] ?? []);
    committer.keep(assigned);
    lag.assign(assigned);
    if (joins === 1 && startFrom !== undefined) {
      for (const p of assigned) {
        const offset = startFrom.get(p);
        if (offset !== undefined && offset >= 0) consumer.seek({ topic, partition: p, offset: String(offset) });
      }
    }
    setPaused(false);
    logger.info('joined consumer group', { group, topic, partitions: [...assigned] });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) crashed = true;
    logger.error('kafka consumer crashed', { group, restart: payload.restart, err: payload.error });
  });

  const lagTimer = setInterval(() => {
    if (closing || !lag.following()) return;
    admin.fetchTopicOffsets(topic).then(
      (ends) => lag.probed(ends),
      (e: unknown) => logger.debug('lag probe failed', { err: e }),
    );
  }, tuning.lagIntervalMs);
  lagTimer.unref();

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    // Resolves once the group is joined; fetching goes on in the background.
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
  } catch (e) {
    clearInterval(lagTimer);
    await consumer.disconnect().catch(() => undefined);
    throw e;
  }

  return {
    healthy: () => !crashed && !closing,
    async close() {
      if (closing) return;
      closing = true;
      clearInterval(lagTimer);
      wake?.();
      queue.length = 0;
      try {
        consumer.pause([{ topic }]);
      } catch {
        // not running: nothing to pause
      }
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.all(inFlight).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), tuning.closeTimeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        epoch++; // if a call ever ends, its events are not committed here: they are delivered again
        logger.warn('handler calls in flight did not finish in time; their events will be delivered again', { group });
      } else {
        await committer.flush();
      }
      lag.clear();
      // Stops fetching and leaves the group, so its partitions move to the other members at once.
      await consumer.disconnect();
      if (deps.options?.ephemeral === true) {
        await admin.deleteGroups([group]).catch((e: unknown) => logger.warn('could not delete the consumer group', { group, err: e }));
      }
    },
  };
}

/** The committed offset of each partition of `topic` in `group`; -1 where it has none. */
async function committedOffsets(admin: Admin, group: string, topic: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  for (const p of entry?.partitions ?? []) out.set(p.partition, Number(p.offset));
  return out;
}
