import type { KafkaMessage } from 'kafkajs';
import type { BusRecord } from '../port.ts';

/** Records of one partition, fetched together, committed together once handled. */
export interface Chunk {
  epoch: number;
  partition: number;
  records: BusRecord[];
  /** The source message of each record (for dead letters). */
  messages: KafkaMessage[];
  /** The offset to commit once this chunk is handled. */
  next: number;
}

/**
 * The fetched records waiting for a handler call, in fetch order. A partition's chunks are taken
 * oldest first and never overtake one another, so one shopper's events stay in order.
 */
export class ChunkQueue {
  private readonly chunks: Chunk[] = [];
  /** Records queued and not yet taken. */
  size = 0;

  /**
   * Queues one fetched batch of `partition` in pieces of at most `maxBatch` records (one empty
   * piece when nothing of it is to be handled). The last piece's commit, `end`, also covers the
   * messages that were skipped or dead-lettered after its last record.
   */
  pushBatch(epoch: number, partition: number, records: BusRecord[], messages: KafkaMessage[], end: number, maxBatch: number): void {
    for (let i = 0; i < records.length || i === 0; i += maxBatch) {
      const isLast = i + maxBatch >= records.length;
      const piece = isLast && i === 0 ? records : records.slice(i, i + maxBatch);
      const next = isLast ? end : (piece[piece.length - 1] as BusRecord).offset + 1;
      this.chunks.push({ epoch, partition, records: piece, messages: piece === records ? messages : messages.slice(i, i + maxBatch), next });
      this.size += piece.length;
    }
  }

  /**
   * The next call's chunks: queued chunks of partitions not in `busy`, oldest first, up to
   * `maxBatch` records (at least one chunk). Once a chunk of a partition is passed over, later ones
   * are too (order).
   */
  take(busy: ReadonlySet<number>, maxBatch: number): Chunk[] {
    const out: Chunk[] = [];
    const passed = new Set<number>();
    let size = 0;
    for (let i = 0; i < this.chunks.length; ) {
      const c = this.chunks[i] as Chunk;
      if (busy.has(c.partition) || passed.has(c.partition) || (out.length > 0 && size + c.records.length > maxBatch)) {
        passed.add(c.partition);
        i++;
        continue;
      }
      out.push(c);
      size += c.records.length;
      this.chunks.splice(i, 1);
    }
    this.size -= size;
    return out;
  }

  /** Drops everything queued: it is fetched again from the committed offsets. */
  clear(): void {
    this.chunks.length = 0;
    this.size = 0;
  }
}
