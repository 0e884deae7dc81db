import { Worker } from 'node:worker_threads';

/**
 * A worker thread running a TypeScript module. Node 20 does not apply `--import tsx` to a worker's
 * entry, so the worker starts from a line of JavaScript that registers tsx and then imports it.
 */
export function tsWorker(module: URL): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}); })`;
  return new Worker(code, { eval: true });
}

/**
 * Cooperative slicing of long work on the serving thread: the returned function resolves at once
 * until `sliceMs` of work has run since the last yield, then yields to the event loop (pending
 * requests run) before resolving.
 */
export function createPacer(sliceMs = 1): () => Promise<void> {
  let slice = performance.now();
  return async () => {
    if (performance.now() - slice < sliceMs) return;
    await new Promise<void>((r) => setImmediate(r));
    slice = performance.now();
  };
}
