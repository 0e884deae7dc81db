import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export { tsWorker } from '../../src/core/index.ts';

/**
 * A child process running a TypeScript module, with an IPC channel; profiler flags are not inherited.
 * MERIDIAN_BENCH_CHILD_FLAGS (space-separated node flags, e.g. `--trace-gc`) diagnoses the children.
 */
export function tsChild(module: URL): ChildProcess {
  const extra = (process.env.MERIDIAN_BENCH_CHILD_FLAGS ?? '').split(' ').filter((f) => f.length > 0);
  return fork(module, [], { execArgv: [...extra, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Sends a message and resolves with the next reply of the worker or child; rejects if it exits first. */
export async function request<R>(peer: Worker | ChildProcess, message: unknown, transfer: ArrayBuffer[] = []): Promise<R> {
  const stop = new AbortController();
  const reply = once(peer, 'message', { signal: stop.signal });
  const exited = once(peer, 'exit', { signal: stop.signal }).then(([code]: unknown[]) => {
    throw new Error(`${peer instanceof Worker ? 'worker' : 'child process'} exited (${String(code)}) before it answered`);
  });
  try {
    if (peer instanceof Worker) peer.postMessage(message, transfer);
    else peer.send(message as object);
    const [value] = (await Promise.race([reply, exited])) as [R];
    return value;
  } finally {
    stop.abort();
    // The loser of the race rejects with an AbortError once aborted: nothing to report.
    reply.catch(() => undefined);
    exited.catch(() => undefined);
  }
}
