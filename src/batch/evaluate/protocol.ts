import { readLineSequences, readSessions, readSessionTests } from './readers.ts';

/**
 * The evaluation protocols.
 *
 * Sequential (leave-one-out, as in SASRec / S3-Rec): for a user with items s1..sn, the test target is
 * sn with history s1..s(n-1); the validation target is s(n-1) with history s1..s(n-2); training
 * statistics for validation are built from s1..s(n-2) of every user, and for the final test from
 * s1..s(n-1) (the streaming model has seen every event before the test event, as it would online).
 * Every item of the history is excluded from the ranking; a target that is itself in the history
 * therefore counts as a miss (the reference implementations zero the scores of history items).
 *
 * Sessions (SR-GNN / GCE-GNN): every prefix of a test session predicts its next item; nothing is
 * excluded, because the published numbers rank all items including those of the prefix (about a fifth
 * of diginetica's targets repeat an item of their prefix). Validation holds out the chronologically
 * last training sessions and expands them into prefixes the same way.
 */
export interface EvalCase {
  history: Int32Array;
  target: number;
  /** Items not ranked (the history, for the sequential protocol). */
  excluded: ReadonlySet<number>;
  /** The stored training sequence of this user (its own history), skipped as a neighbour. */
  self: number;
}

export interface Split {
  /** Sequences the statistics observe, in order; `self` of a case indexes this list. */
  train: Int32Array[];
  cases: EvalCase[];
}

export interface LoadedData {
  format: 'lines' | 'sessions';
  numItems: number;
  /** lines: user sequences; sessions: training sessions in file (time) order. */
  sequences: Int32Array[];
  /** sessions only: the test prefixes. */
  tests: { prefix: Int32Array; target: number }[];
}

function maxId(a: Int32Array, m: number): number {
  for (const x of a) if (x > m) m = x;
  return m;
}

export async function loadLines(path: string): Promise<LoadedData> {
  const sequences: Int32Array[] = [];
  let numItems = 0;
  for await (const u of readLineSequences(path)) {
    sequences.push(u.items);
    numItems = maxId(u.items, numItems);
  }
  return { format: 'lines', numItems, sequences, tests: [] };
}

export async function loadSessions(trainPath: string, testPath: string): Promise<LoadedData> {
  const sequences: Int32Array[] = [];
  const tests: { prefix: Int32Array; target: number }[] = [];
  let numItems = 0;
  for await (const s of readSessions(trainPath)) {
    sequences.push(s);
    numItems = maxId(s, numItems);
  }
  for await (const c of readSessionTests(testPath)) {
    tests.push(c);
    numItems = Math.max(maxId(c.prefix, numItems), c.target);
  }
  return { format: 'sessions', numItems, sequences, tests };
}

const NONE: ReadonlySet<number> = new Set();

/** Leave-one-out split for one phase. Users with too few items for the phase are skipped as cases. */
export function leaveOneOut(sequences: readonly Int32Array[], phase: 'validation' | 'test'): Split {
  const cut = phase === 'validation' ? 2 : 1;
  const train: Int32Array[] = [];
  const cases: EvalCase[] = [];
  for (const s of sequences) {
    const history = s.subarray(0, Math.max(0, s.length - cut));
    const self = train.length;
    train.push(history);
    if (history.length === 0) continue;
    cases.push({ history, target: s[s.length - cut] as number, excluded: new Set(history), self });
  }
  return { train, cases };
}

/** Every prefix of a session predicting its next item. */
export function sessionPrefixes(session: Int32Array): { prefix: Int32Array; target: number }[] {
  const out: { prefix: Int32Array; target: number }[] = [];
  for (let k = 1; k < session.length; k++) out.push({ prefix: session.subarray(0, k), target: session[k] as number });
  return out;
}

/** Validation for sessions: the last `fraction` of training sessions (time order) become prefixes. */
export function sessionHoldout(sessions: readonly Int32Array[], fraction: number): Split {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdout fraction must be in (0, 1), got ${fraction}`);
  const cut = Math.floor(sessions.length * (1 - fraction));
  const cases: EvalCase[] = [];
  for (const s of sessions.slice(cut)) {
    for (const c of sessionPrefixes(s)) cases.push({ history: c.prefix, target: c.target, excluded: NONE, self: -1 });
  }
  return { train: sessions.slice(0, cut), cases };
}

export function sessionTest(data: LoadedData): Split {
  return {
    train: data.sequences,
    cases: data.tests.map((c) => ({ history: c.prefix, target: c.target, excluded: NONE, self: -1 })),
  };
}
