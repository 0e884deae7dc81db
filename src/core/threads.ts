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
