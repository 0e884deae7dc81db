import { badRequest } from '../../core/index.ts';
import { DEFAULT_PARAMS, createSequenceModel, type ModelParams, type SequenceModel } from './model.ts';
import { createSequenceStats, type SequenceStats } from './stats.ts';
import { ItemColumns } from './items.ts';
import { SequenceRanker, type SequenceHit, type Skip } from './ranker.ts';
import { ShopperColumns } from './shoppers.ts';

/**
 * The sequence model that `meridian evaluate` measures, kept per tenant and updated per event: item
 * ids and shopper keys are interned to integers, each interaction extends its shopper's stored
 * sequence in the shared statistics (./stats.ts), and scoring is the evaluated blend over the
 * same statistics, so a request ranks what evaluation ranks for the same history.
 *
 * Sequences follow the training data (src/batch/train-data.ts): views, clicks, carts and purchases
 * (./sequence.ts turns events into steps), keyed by shopper (`u:<user>` or `s:<session>`), a
 * repeat of the shopper's last item being one step.
 *
 * Caps, which change nothing for a shopper with at most `historyLength` items:
 * - a shopper's stored sequence is cut into segments of `segmentLength` (50) items: the
 *   co-occurrence work of one append grows with its segment's length, and a neighbour sequence is at
 *   most that long; pairs and gaps across a segment boundary are not counted;
 * - scoring reads the shopper's last `historyLength` (20) items, from at most two segments: the work
 *   of a request grows with the history, and older items weigh little (0.7^20 in the default
 *   item-kNN, e^-10 in the default neighbour weighting).
 * Evaluation gives the same numbers when it stores and reads sequences the same way.
 */
export interface OnlineSequenceOptions {
  /** The blend in service; read per request, so a new model's tuned parameters apply at once. */
  params?: () => ModelParams;
  segmentLength?: number;
  historyLength?: number;
  /** Transition gaps counted (the parameters use at most this many). */
  maxGap?: number;
  /** Most popular items kept in order for the popularity part of the ranking. */
  popularKept?: number;
}

export type { SequenceHit, Skip } from './ranker.ts';

/** The history of a request with nothing to go on. */
const NO_HISTORY = new Int32Array(0);

export interface OnlineSequenceSize {
  shoppers: number;
  items: number;
  /** Stored sequences (segments) in the statistics. */
  sequences: number;
  /** Interactions appended. */
  events: number;
}

export interface SequenceCore {
  /**
   * Appends `item` to the shopper's sequence (event time `ts`, event id `id`); false when it adds
   * no step. With `once`, a step at or before the shopper's last (time, id) is skipped.
   */
  step(key: string, item: string, ts: number, id: string, once: boolean): boolean;
  /** The items scoring reads for a shopper, oldest first (empty for an unknown shopper). */
  history(key: string): string[];
  /**
   * The n best items by the blend, best first, for a shopper (its own stored sequence is not its
   * neighbour) or for a history of item ids; `skip` leaves items out of the ranking.
   */
  score(from: string | readonly string[], n: number, skip?: Skip): SequenceHit[];
  size(): OnlineSequenceSize;
  /** The statistics, shared with the blend (tests and benchmarks read them). */
  readonly stats: SequenceStats;
}

/** Throws a clear error on a bad option (what `createSequenceCore` checks first). */
export function checkSequenceOptions({ segmentLength = 50, historyLength = 20, maxGap = 3, popularKept = 256 }: Omit<OnlineSequenceOptions, 'params'>): void {
  for (const [name, v] of Object.entries({ segmentLength, historyLength, maxGap, popularKept })) {
    if (!Number.isInteger(v) || v < 1) throw badRequest('option_invalid', `${name} must be an integer >= 1, got ${v}`, name);
  }
  if (historyLength > segmentLength) throw badRequest('option_invalid', `historyLength (${historyLength}) must not exceed segmentLength (${segmentLength})`, 'historyLength');
}

export function createSequenceCore({
  params = () => DEFAULT_PARAMS,
  segmentLength = 50,
  historyLength = 20,
  maxGap = 3,
  popularKept = 256,
}: OnlineSequenceOptions = {}): SequenceCore {
  checkSequenceOptions({ segmentLength, historyLength, maxGap, popularKept });
  const first = params();
  const st = createSequenceStats({ numItems: 1024, maxGap: Math.max(maxGap, first.transitions.maxGap) });
  let model: SequenceModel = createSequenceModel({ params: first, stats: st });
  const items = new ItemColumns(popularKept);
  const shoppers = new ShopperColumns(st, segmentLength, historyLength);
  const ranker = new SequenceRanker(items, st);
  let events = 0;

  function step(key: string, name: string, ts: number, id: string, once: boolean): boolean {
    const known = shoppers.has(key);
    const s = shoppers.index(key);
    if (once && known && !shoppers.after(s, ts, id)) return false;
    shoppers.seen(s, ts, id);
    const item = items.intern(name);
    if (!shoppers.extend(s, item)) return false;
    events++;
    items.bump(item, st.occurrences());
    return true;
  }

  function score(from: string | readonly string[], n: number, skip?: Skip): SequenceHit[] {
    if (!(n >= 1)) return [];
    const p = params();
    if (p !== model.params) model = createSequenceModel({ params: p, stats: st });
    let history: Int32Array = NO_HISTORY;
    let self = -1;
    if (typeof from === 'string') {
      const s = shoppers.find(from);
      if (s >= 0) {
        history = shoppers.history(s);
        self = shoppers.cur[s] as number;
      }
    } else history = items.toIds(from);
    return ranker.rank(model, history, self, n, skip);
  }

  return {
    stats: st,
    step,
    history(key) {
      const s = shoppers.find(key);
      if (s < 0) return [];
      const h = shoppers.history(s);
      const out = new Array<string>(h.length);
      for (let i = 0; i < h.length; i++) out[i] = items.names[h[i] as number] as string;
      return out;
    },
    score,
    size: () => ({ shoppers: shoppers.count, items: items.count, sequences: st.sequenceCount(), events }),
  };
}

/** A shopper's history and the sequence model's ranking for it: what a recommendation reads. */
export interface SequenceRanking {
  /** The items scoring reads, oldest first (empty: the shopper has no sequence, and no hits). */
  history: string[];
  /** The n best items, best first, leaving out `skip` and, when asked, the history itself. */
  hits: SequenceHit[];
}

export function rankWith(core: SequenceCore, key: string, n: number, skip: Iterable<string>, skipHistory: boolean): SequenceRanking {
  const history = core.history(key);
  if (history.length === 0) return { history, hits: [] };
  const left = new Set(skip);
  if (skipHistory) for (const h of history) left.add(h);
  return { history, hits: core.score(key, n, left) };
}
