import { badRequest, type MeridianError } from '../core/index.ts';
import type { EventUpdates, Update } from './types.ts';

const isId = (s: unknown): boolean => typeof s === 'string' && s.length > 0;
const isFiniteNum = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);
const isMax = (n: unknown): boolean => Number.isInteger(n) && (n as number) >= 1;
const isFiniteVector = (v: unknown): boolean => {
  if (!(v instanceof Float32Array)) return false;
  // x * 0 is 0 for every finite x and NaN for NaN and ±Infinity: one test after a branch-free pass.
  let zero = 0;
  for (let i = 0; i < v.length; i++) zero += (v[i] as number) * 0;
  return zero === 0;
};

/** Why an update is malformed, or undefined when it is fine. */
function problem(u: Update): string | undefined {
  switch (u.op) {
    case 'user.push':
      return isId(u.user) && isId(u.item) && isFiniteNum(u.ts) && isMax(u.max) ? undefined : 'needs user, item, ts and max >= 1';
    case 'user.remove':
      return isId(u.user) && isId(u.item) ? undefined : 'needs user and item';
    case 'user.count':
      return isId(u.user) && isId(u.kind) && isFiniteNum(u.ts) ? undefined : 'needs user, kind and ts';
    case 'user.purchase':
      return isId(u.user) && isId(u.item) && isMax(u.max) ? undefined : 'needs user, item and max >= 1';
    case 'user.vector':
      return isId(u.user) && isFiniteVector(u.vector) ? undefined : 'needs a finite Float32Array';
    case 'item.trend':
      // Positive weights keep every score non-decreasing, which the trending top list relies on.
      return isId(u.market) && isId(u.item) && isFiniteNum(u.ts) && isFiniteNum(u.weight) && u.weight > 0 && isFiniteNum(u.halfLifeMs) && u.halfLifeMs > 0
        ? undefined
        : 'needs market, item, ts, weight > 0 and halfLifeMs > 0';
    case 'item.cooc':
      return (u.rel === 'view' || u.rel === 'buy') && isId(u.a) && isId(u.b) && u.a !== u.b && isFiniteNum(u.by) && isMax(u.max)
        ? undefined
        : 'needs rel view|buy, two different items, a finite by and max >= 1';
    case 'item.review':
      return isId(u.item) && isFiniteNum(u.rating) && isFiniteNum(u.sentiment) && Math.abs(u.sentiment) <= 1
        ? undefined
        : 'needs item, rating and sentiment in [-1, 1]';
    case 'item.put':
      return typeof u.item === 'object' && u.item !== null && isId(u.item.id) && Array.isArray(u.item.availableIn) ? undefined : 'needs a catalog item';
    case 'item.delete':
      return isId(u.item) ? undefined : 'needs item';
    case 'query.click':
      return isId(u.token) && isId(u.item) && isFiniteNum(u.by) && isMax(u.max) ? undefined : 'needs token, item, a finite by and max >= 1';
    default:
      return `unknown op ${(u as { op: unknown }).op}`;
  }
}

/**
 * Checks a whole batch before a store changes anything, so a malformed update fails the call and
 * leaves the store as it was. Every adapter runs it first.
 */
export function validateBatch(batch: readonly EventUpdates[]): MeridianError | undefined {
  for (let i = 0; i < batch.length; i++) {
    const entry = batch[i] as EventUpdates;
    if (!isId(entry.eventId)) return badRequest('update_invalid', `batch[${i}]: eventId must be a non-empty string`, 'eventId');
    for (const u of entry.updates) {
      const why = problem(u);
      if (why !== undefined) return badRequest('update_invalid', `event ${entry.eventId}: ${u.op} ${why}`, u.op);
    }
  }
  return undefined;
}
