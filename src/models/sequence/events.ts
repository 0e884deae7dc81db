import { shopperKey, type MeridianEvent } from '../../ingest/index.ts';
import type { InteractionType } from '../data.ts';
import { createSequenceCore, type OnlineSequenceOptions, type SequenceCore } from './online.ts';

/**
 * The evaluated sequence model of one tenant fed with events (see ./online.ts): the events of
 * SEQUENCE_EVENT_TYPES extend their shopper's sequence, other events add nothing.
 */
export interface OnlineSequenceModel extends SequenceCore {
  /** Appends the event's interaction to its shopper's sequence; false when it adds no step. */
  observe(e: MeridianEvent): boolean;
  /**
   * The same for a follower that may see an event twice (a rebuild and a topic overlapping): events
   * at or before the shopper's last observed (time, id) are skipped.
   */
  follow(e: MeridianEvent): boolean;
}

/**
 * The shopper events that extend a sequence: the interactions the next-item statistics are learned
 * and evaluated on (the training data's InteractionType). Removals, reviews and searches add no
 * step. The one list: the sequence model, its thread and a serving replica's topic filter read it.
 * (The user encoder follows a wider rule, every shopper signal weighed by type: see the online
 * updater's `encoderItem`.)
 */
export const SEQUENCE_EVENT_TYPES = ['view', 'click', 'add_to_cart', 'purchase'] as const satisfies readonly InteractionType[];

type SequenceEvent = Extract<MeridianEvent, { type: (typeof SEQUENCE_EVENT_TYPES)[number] }>;

const SEQUENCE_TYPE_SET: ReadonlySet<string> = new Set(SEQUENCE_EVENT_TYPES);

/** The item an event appends to its shopper's sequence, if it is one of SEQUENCE_EVENT_TYPES. */
export function sequenceItem(e: MeridianEvent): string | undefined {
  return SEQUENCE_TYPE_SET.has(e.type) ? (e as SequenceEvent).item_id : undefined;
}

export function createOnlineSequence(options: OnlineSequenceOptions = {}): OnlineSequenceModel {
  const core = createSequenceCore(options);
  const append = (e: MeridianEvent, once: boolean): boolean => {
    const item = sequenceItem(e);
    const key = item === undefined ? undefined : shopperKey(e);
    return key !== undefined && core.step(key, item as string, e.ts, e.id, once);
  };
  return { ...core, stats: core.stats, observe: (e) => append(e, false), follow: (e) => append(e, true) };
}

/** A tenant's model rebuilt from its stored events (event time order), as the updater would have fed it. */
export async function restoreSequence(events: AsyncIterable<MeridianEvent>, options: OnlineSequenceOptions = {}): Promise<OnlineSequenceModel> {
  const model = createOnlineSequence(options);
  for await (const e of events) model.observe(e);
  return model;
}
