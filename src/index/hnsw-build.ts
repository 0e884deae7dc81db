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

parentPort?.once('message', (job: BuildJob) => {
  buildGraphs(job).then(
    () => parentPort?.postMessage({ ok: true } satisfies BuildReply),
    (e: unknown) => parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) } satisfies BuildReply),
  );
});
