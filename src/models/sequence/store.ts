import { grow } from '../../core/index.ts';
import { BlockArena, offsetOf, pageOf } from './arena.ts';

/**
 * Growing integer sequences (the stored user or session sequences) in blocks of a BlockArena: a
 * sequence holds 4, 8, 16… slots, moving to a block twice the size when full.
 */
export interface SequenceStore {
  /** Number of sequences. */
  readonly count: number;
  /** Starts an empty sequence; returns its id (0, 1, …). */
  begin(): number;
  push(id: number, value: number): void;
  length(id: number): number;
  /** Slots held by the sequence (its block), for memory accounting. */
  capacity(id: number): number;
  /** The page holding the sequence: its items are page[offset(id) .. offset(id) + length(id)). */
  page(id: number): Int32Array;
  offset(id: number): number;
}

const MIN_BLOCK = 4;

export function createSequenceStore(arena = new BlockArena()): SequenceStore {
  const pages = arena.pages;
  let count = 0;
  let addressOf = new Int32Array(256);
  let lengthOf = new Int32Array(256);
  let capacityOf = new Int32Array(256);

  return {
    get count() {
      return count;
    },
    begin() {
      const id = count++;
      addressOf = grow(addressOf, id + 1);
      lengthOf = grow(lengthOf, id + 1);
      capacityOf = grow(capacityOf, id + 1);
      addressOf[id] = arena.allocate(MIN_BLOCK);
      lengthOf[id] = 0;
      capacityOf[id] = MIN_BLOCK;
      return id;
    },
    push(id, value) {
      const n = lengthOf[id] as number;
      const cap = capacityOf[id] as number;
      let a = addressOf[id] as number;
      if (n === cap) {
        const b = arena.allocate(cap * 2);
        const from = offsetOf(a);
        (pages[pageOf(b)] as Int32Array).set((pages[pageOf(a)] as Int32Array).subarray(from, from + n), offsetOf(b));
        arena.release(a, cap);
        a = b;
        addressOf[id] = b;
        capacityOf[id] = cap * 2;
      }
      (pages[pageOf(a)] as Int32Array)[offsetOf(a) + n] = value;
      lengthOf[id] = n + 1;
    },
    length: (id) => (id >= 0 && id < count ? (lengthOf[id] as number) : 0),
    capacity: (id) => (id >= 0 && id < count ? (capacityOf[id] as number) : 0),
    page: (id) => pages[pageOf(addressOf[id] as number)] as Int32Array,
    offset: (id) => offsetOf(addressOf[id] as number),
  };
}
