import { shopperKey, type MeridianEvent } from '../../ingest/index.ts';
import { createSequenceCore, type OnlineSequenceOptions, type SequenceCore } from './online.ts';

/**
 * The evaluated sequence model of one tenant fed with events (see ./online.ts): views,
 * clicks, carts and purchases extend their shopper's sequence, other events add nothing.
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

/** The item of an interaction that extends a sequence, if the event is one. */
export function interaction(e: MeridianEvent): string | undefined {
  switch (e.type) {
    case 'view':
    case 'click':
    case 'add_to_cart':
    case 'purchase':
      return e.item_id;
    default:
      return undefined;
  }
}

export function createOnlineSequence(options: OnlineSequenceOptions = {}): OnlineSequenceModel {
  const core = createSequenceCore(options);
  const append = (e: MeridianEvent, once: boolean): boolean => {
    const item = interaction(e);
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
