import type { Message, Producer } from 'kafkajs';

/** Most bytes of message values in one produce request: well under the broker's 1 MiB batch limit. */
const SEND_BYTES = 512 * 1024;

interface Waiter {
  messages: Message[];
  resolve: () => void;
  reject: (e: unknown) => void;
  timer?: NodeJS.Timeout;
  /** Timed out before its request went out: answered already, and never sent. */
  expired: boolean;
}

const sizeOf = (m: Message): number => (typeof m.value === 'string' ? m.value.length * 3 : (m.value?.length ?? 0));

/** Splits messages into produce requests of bounded size, keeping their order. */
function sendGroups(messages: Message[]): Message[][] {
  const groups: Message[][] = [];
  let current: Message[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = sizeOf(m);
    if (current.length > 0 && bytes + size > SEND_BYTES) {
      groups.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Sends to one topic with one produce request in flight (what the idempotent producer needs to keep
 * order). Calls that arrive while a request is in flight are sent together in the next one, so many
 * small concurrent publishes cost few round trips, and a lone publish waits for no timer.
 * `send` resolves once the broker acknowledged the caller's messages, and rejects after `timeoutMs`;
 * a call that timed out before its request went out is dropped, so an outage does not pile up work.
 *
 * After a failed or stalled request the next one goes through a fresh producer (`renew`): an
 * idempotent producer whose request failed mid-way can keep sequence numbers the broker never saw
 * and be refused for good after the broker comes back, and a request that never settles would hold
 * every later one. A message the old producer did write may then be written twice; event ids make
 * applying it idempotent.
 */
export interface PublisherOptions {
  /** A connected producer to use after a failure; absent: keep the same one. */
  renew?: () => Promise<Producer>;
  /** A request not settled after this long counts as failed (default 3 × timeoutMs). */
  stallMs?: number;
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`kafka produce: request not settled within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export function createPublisher(
  first: Producer,
  topic: string,
  timeoutMs: number,
  { renew, stallMs = 3 * timeoutMs }: PublisherOptions = {},
): { send(messages: Message[]): Promise<void> } {
  let producer = first;
  let suspect = false;
  let waiting: Waiter[] = [];
  let flushing = false;

  async function sendAll(messages: Message[]): Promise<void> {
    if (suspect && renew !== undefined) {
      producer = await renew();
      suspect = false;
    }
    for (const group of sendGroups(messages)) await withDeadline(producer.send({ topic, acks: -1, messages: group }), stallMs);
  }

  async function flush(): Promise<void> {
    flushing = true;
    while (waiting.length > 0) {
      const batch = waiting.filter((w) => !w.expired);
      waiting = [];
      if (batch.length === 0) continue;
      const messages = batch.length === 1 ? (batch[0] as Waiter).messages : batch.flatMap((w) => w.messages);
      try {
        await sendAll(messages);
        for (const w of batch) settle(w, undefined);
      } catch (e) {
        suspect = true;
        for (const w of batch) settle(w, e ?? new Error('kafka produce failed'));
      }
    }
    flushing = false;
  }

  function settle(w: Waiter, error: unknown): void {
    clearTimeout(w.timer);
    if (error === undefined) w.resolve();
    else w.reject(error);
  }

  return {
    send(messages) {
      return new Promise<void>((resolve, reject) => {
        const w: Waiter = { messages, resolve, reject, expired: false };
        w.timer = setTimeout(() => {
          w.expired = true;
          reject(new Error(`kafka produce: no acknowledgement within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.push(w);
        if (!flushing) void flush();
      });
    },
  };
}
