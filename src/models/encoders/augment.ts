import { badRequest, type Rng } from '../../core/index.ts';

/**
 * Sequence augmentation (the crop, mask and reorder operators of CL4SRec), used as extra training
 * data: every epoch, each sequence is trained as it is and as `copies` augmented views, each view
 * made by one operator picked at random among those enabled. Rates follow the paper:
 * - crop: keep a random contiguous run of ⌈rate·n⌉ steps;
 * - mask: hide ⌊rate·n⌋ random steps (a hidden step is neither a context nor a target, and adds
 *   nothing to the user's vector, but keeps its place and time);
 * - reorder: shuffle a random contiguous run of ⌊rate·n⌋ steps (times stay in place).
 */
export type AugmentOp = 'crop' | 'mask' | 'reorder';

export const AUGMENT_OPS: readonly AugmentOp[] = ['crop', 'mask', 'reorder'];

export interface AugmentOptions {
  /** Enabled operators with their rate in (0, 1]. */
  rates: Partial<Record<AugmentOp, number>>;
  /** Augmented views per sequence per epoch, beside the original. */
  copies: number;
}

export const DEFAULT_AUGMENT_RATES: Readonly<Record<AugmentOp, number>> = Object.freeze({ crop: 0.6, mask: 0.3, reorder: 0.3 });

/** The item of a masked step. */
export const MASKED = -1;

/** Shortest sequence an operator is applied to. */
const MIN_LENGTH = 3;

export function validateAugment(a: AugmentOptions): void {
  if (!Number.isInteger(a.copies) || a.copies < 1) throw badRequest('train_option_invalid', `augment copies must be an integer >= 1, got ${a.copies}`, 'augment');
  const ops = Object.entries(a.rates);
  if (ops.length === 0) throw badRequest('train_option_invalid', 'augment needs at least one of crop, mask, reorder', 'augment');
  for (const [op, rate] of ops) {
    if (!AUGMENT_OPS.includes(op as AugmentOp)) throw badRequest('train_option_invalid', `unknown augmentation "${op}" (crop, mask, reorder)`, 'augment');
    if (!(typeof rate === 'number' && rate > 0 && rate <= 1)) throw badRequest('train_option_invalid', `augment rate of ${op} must be in (0, 1], got ${rate}`, 'augment');
  }
}

/** `crop,mask=0.2,reorder` → rates (a bare name takes its default rate). */
export function parseAugment(spec: string, copies = 1): AugmentOptions {
  const rates: Partial<Record<AugmentOp, number>> = {};
  for (const part of spec.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [name, value] = part.split('=') as [string, string | undefined];
    if (!AUGMENT_OPS.includes(name as AugmentOp)) throw badRequest('train_option_invalid', `unknown augmentation "${name}" (crop, mask, reorder)`, 'augment');
    rates[name as AugmentOp] = value === undefined ? DEFAULT_AUGMENT_RATES[name as AugmentOp] : Number(value);
  }
  const a = { rates, copies };
  validateAugment(a);
  return a;
}

export function formatAugment(a: AugmentOptions): string {
  return Object.entries(a.rates).map(([op, r]) => `${op}=${r}`).join(',');
}

/**
 * One view of a sequence of `n` steps: the source position of each step of the view (MASKED for a
 * hidden step) and where the view starts in the original (times of the view are those of the
 * original from `start` on). Undefined when the sequence is too short to augment.
 */
export interface View {
  positions: Int32Array;
  start: number;
}

export function augmentView(n: number, op: AugmentOp, rate: number, rng: Rng): View | undefined {
  if (n < MIN_LENGTH) return undefined;
  if (op === 'crop') {
    const len = Math.max(2, Math.ceil(rate * n));
    const start = rng.int(n - len + 1);
    return { positions: Int32Array.from({ length: len }, (_, i) => start + i), start };
  }
  const positions = Int32Array.from({ length: n }, (_, i) => i);
  if (op === 'mask') {
    const k = Math.floor(rate * n);
    // A partial Fisher–Yates pass picks k distinct steps.
    const order = Int32Array.from(positions);
    for (let i = 0; i < k; i++) {
      const j = i + rng.int(n - i);
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
      positions[order[i] as number] = MASKED;
    }
    return { positions, start: 0 };
  }
  const len = Math.min(n, Math.floor(rate * n));
  if (len < 2) return { positions, start: 0 };
  const from = rng.int(n - len + 1);
  for (let i = len - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = positions[from + i] as number;
    positions[from + i] = positions[from + j] as number;
    positions[from + j] = t;
  }
  return { positions, start: 0 };
}

/** Picks an enabled operator at random and applies it to `items`; undefined when too short. */
export function augmentItems(items: Int32Array, a: AugmentOptions, rng: Rng): Int32Array | undefined {
  const v = randomView(items.length, a, rng);
  return v === undefined ? undefined : Int32Array.from(v.positions, (p) => (p === MASKED ? MASKED : (items[p] as number)));
}

export function randomView(n: number, a: AugmentOptions, rng: Rng): View | undefined {
  const ops = Object.keys(a.rates) as AugmentOp[];
  const op = ops.length === 1 ? (ops[0] as AugmentOp) : (ops[rng.int(ops.length)] as AugmentOp);
  return augmentView(n, op, a.rates[op] as number, rng);
}
