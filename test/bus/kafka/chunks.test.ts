import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../../../src/bus/kafka/chunks.ts';
import type { BusRecord } from '../../../src/bus/index.ts';
import { view } from '../../support/samples.ts';

const record = (partition: number, offset: number): BusRecord => ({ partition, offset, event: view('t', offset) });
const message = (offset: number): KafkaMessage => ({ offset: String(offset) }) as KafkaMessage;

/** Records of `partition` at `offsets`, with their messages. */
function fetched(partition: number, offsets: number[]): { records: BusRecord[]; messages: KafkaMessage[] } {
  return { records: offsets.map((o) => record(partition, o)), messages: offsets.map(message) };
}

const shape = (chunks: { partition: number; records: BusRecord[]; next: number }[]) =>
  chunks.map((c) => ({ partition: c.partition, offsets: c.records.map((r) => r.offset), next: c.next }));

describe('ChunkQueue', () => {
  it('splits a batch into pieces of at most maxBatch; the last commit covers what was skipped', () => {
    const q = new ChunkQueue();
    const { records, messages } = fetched(0, [10, 11, 12, 14, 15]);
    q.pushBatch(1, 0, records, messages, 18, 2);
    expect(q.size).toBe(5);
    const taken = [q.take(new Set(), 2), q.take(new Set(), 2), q.take(new Set(), 2)];
    expect(taken.map(shape)).toEqual([
      [{ partition: 0, offsets: [10, 11], next: 12 }],
      [{ partition: 0, offsets: [12, 14], next: 15 }],
      [{ partition: 0, offsets: [15], next: 18 }],
    ]);
    expect(taken.flat().map((c) => c.messages.map((m) => m.offset))).toEqual([['10', '11'], ['12', '14'], ['15']]);
    expect(q.size).toBe(0);
  });

  it('queues one empty chunk for a batch with nothing to handle, so its offset is still committed', () => {
    const q = new ChunkQueue();
    q.pushBatch(3, 1, [], [], 7, 100);
    expect(q.size).toBe(0);
    const [c] = q.take(new Set(), 100);
    expect(c).toMatchObject({ epoch: 3, partition: 1, records: [], next: 7 });
  });

  it('keeps the whole batch as one chunk when it fits', () => {
    const q = new ChunkQueue();
    const { records, messages } = fetched(0, [1, 2]);
    q.pushBatch(1, 0, records, messages, 3, 10);
    const [c] = q.take(new Set(), 10);
    expect(c?.records).toBe(records);
    expect(c?.messages).toBe(messages);
  });

  it('takes oldest first up to maxBatch records, skipping busy partitions and never reordering one', () => {
    const q = new ChunkQueue();
    const a1 = fetched(0, [1, 2]);
    const b1 = fetched(1, [1, 2, 3]);
    const a2 = fetched(0, [3]);
    const c1 = fetched(2, [1]);
    q.pushBatch(1, 0, a1.records, a1.messages, 3, 10);
    q.pushBatch(1, 1, b1.records, b1.messages, 4, 10);
    q.pushBatch(1, 0, a2.records, a2.messages, 4, 10);
    q.pushBatch(1, 2, c1.records, c1.messages, 2, 10);
    // Partition 0 is busy: its chunks wait; the first chunk of 1 fits, then 2 (3 + 1 <= 4).
    expect(shape(q.take(new Set([0]), 4))).toEqual([
      { partition: 1, offsets: [1, 2, 3], next: 4 },
      { partition: 2, offsets: [1], next: 2 },
    ]);
    expect(q.size).toBe(3);
    // A call takes at least one chunk, even one over maxBatch; the next one waits for the next call.
    expect(shape(q.take(new Set(), 1))).toEqual([{ partition: 0, offsets: [1, 2], next: 3 }]);
    expect(shape(q.take(new Set(), 1))).toEqual([{ partition: 0, offsets: [3], next: 4 }]);
    expect(q.take(new Set(), 1)).toEqual([]);
  });

  it('forgets everything on clear', () => {
    const q = new ChunkQueue();
    const { records, messages } = fetched(0, [1, 2]);
    q.pushBatch(1, 0, records, messages, 3, 10);
    q.clear();
    expect(q.size).toBe(0);
    expect(q.take(new Set(), 10)).toEqual([]);
  });
});
