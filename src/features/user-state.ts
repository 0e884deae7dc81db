import type { UserState, Update } from './types.ts';

/** The updates that touch a shopper's state. */
export type UserUpdate = Extract<Update, { op: `user.${string}` }>;

/** A switch over the ops (interned constants) rather than a prefix test: this runs for every update, twice. */
export function isUserUpdate(u: Update): u is UserUpdate {
  switch (u.op) {
    case 'user.push':
    case 'user.remove':
    case 'user.count':
    case 'user.purchase':
    case 'user.vector':
      return true;
    default:
      // Every user op is listed above: with one missing, this fails to compile.
      u satisfies Exclude<Update, UserUpdate>;
      return false;
  }
}

export function emptyUserState(): UserState {
  return { recent: [], purchased: [], counts: {}, vector: undefined, lastTs: 0 };
}

/**
 * A copy that shares nothing mutable with `s` (history entries are frozen, so they are shared).
 * `copyVector` lets a hot caller copy the vector from an arena.
 */
export function cloneUserState(s: UserState, copyVector: (v: Float32Array) => Float32Array = (v) => v.slice()): UserState {
  return {
    recent: s.recent.slice(),
    purchased: s.purchased.slice(),
    counts: { ...s.counts },
    vector: s.vector === undefined ? undefined : copyVector(s.vector),
    lastTs: s.lastTs,
  };
}

/** Keeps the newest `max` of a list that is oldest first; the usual case, one over, is a shift. */
function dropOldest<T>(list: T[], max: number): void {
  const over = list.length - max;
  if (over === 1) list.shift();
  else if (over > 1) list.splice(0, over);
}

/**
 * Applies one user update to `s` in place. The memory store and the online updater's per-batch view
 * of a shopper both go through here, so they cannot disagree. History entries are frozen: they
 * are shared between copies of a state.
 */
export function applyUserUpdate(s: UserState, u: UserUpdate): void {
  switch (u.op) {
    case 'user.push': {
      // Oldest first even when an event arrives late: insert after every entry not newer than it.
      let at = s.recent.length;
      while (at > 0 && (s.recent[at - 1] as { ts: number }).ts > u.ts) at--;
      const entry = Object.freeze({ item: u.item, type: u.kind, ts: u.ts });
      if (at === s.recent.length) s.recent.push(entry);
      else s.recent.splice(at, 0, entry);
      dropOldest(s.recent, u.max);
      if (u.ts > s.lastTs) s.lastTs = u.ts;
      return;
    }
    case 'user.remove': {
      let w = 0;
      for (let r = 0; r < s.recent.length; r++) {
        const e = s.recent[r] as UserState['recent'][number];
        if (e.item !== u.item) s.recent[w++] = e;
      }
      s.recent.length = w;
      return;
    }
    case 'user.count':
      s.counts[u.kind] = (s.counts[u.kind] ?? 0) + 1;
      if (u.ts > s.lastTs) s.lastTs = u.ts;
      return;
    case 'user.purchase': {
      // A repeat purchase moves the item to the newest end instead of listing it twice.
      const list = s.purchased;
      const at = list.indexOf(u.item);
      if (at >= 0) {
        for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i] as string;
        list[list.length - 1] = u.item;
      } else list.push(u.item);
      dropOldest(list, u.max);
      return;
    }
    case 'user.vector':
      // Taken as is: a store that must not share it with the caller copies it first.
      s.vector = u.vector;
      return;
  }
}
