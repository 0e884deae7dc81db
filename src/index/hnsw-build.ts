import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import hnsw from 'hnswlib-node';

/** One graph to build: `count` unit vectors of `dim` floats, labelled 0..count-1 in order, saved to `file`. */
export interface GraphJob {
  capacity: number;
  count: number;
  vectors: Float32Array;
  file: string;
}

export interface BuildJob {
  dim: number;
  M: number;
  efConstruction: number;
  seed: number;
  graphs: GraphJob[];
}

export type BuildReply = { ok: true } | { ok: false; error: string };

/**
 * Builds HNSW graphs off the serving thread and writes each to its file, where the serving thread
 * reads it back with hnswlib's asynchronous load. Inserts cost about a millisecond each at tens of
 * thousands of items; on the serving thread a rebuild shares the core with requests for minutes.
 */
export async function buildGraphs(job: BuildJob): Promise<void> {
  const { dim, M, efConstruction, seed } = job;
  const point = new Array<number>(dim).fill(0);
  for (const g of job.graphs) {
    const index = new hnsw.HierarchicalNSW('ip', dim);
    index.initIndex({ maxElements: g.capacity, m: M, efConstruction, randomSeed: seed, allowReplaceDeleted: false });
    for (let label = 0; label < g.count; label++) {
      const row = label * dim;
      for (let i = 0; i < dim; i++) point[i] = g.vectors[row + i] as number;
      index.addPoint(point, label);
    }
    await index.writeIndex(g.file);
  }
}

/**
 * Lowers this thread's scheduling priority (Linux: a thread id is a valid target of setpriority),
 * so that where cores are few the serving thread runs first and the build takes what is left.
 * Elsewhere the build keeps the process's priority.
 */
function yieldCores(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 19);
  } catch {
    // No /proc or no permission: the same priority as the serving thread.
  }
}

parentPort?.once('message', (job: BuildJob) => {
  yieldCores();
  buildGraphs(job).then(
    () => parentPort?.postMessage({ ok: true } satisfies BuildReply),
    (e: unknown) => parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) } satisfies BuildReply),
  );
});
