import type { Logger } from '../core/index.ts';

/**
 * Polls `read` every `intervalMs` and calls `onChange` once per change of what it returns (a read
 * never overlaps the previous one). The first read is the starting point, not a change, unless a
 * version is already active. The timer does not keep the process alive; the returned function stops it.
 */
export function watchActive(
  read: () => Promise<string | undefined>,
  logger: Logger,
  onChange: (version: string | undefined) => void,
  intervalMs: number,
): () => void {
  let last: string | undefined | null = null;
  let busy = false;
  let stopped = false;
  const tick = async (): Promise<void> => {
    if (busy || stopped) return;
    busy = true;
    try {
      const v = await read();
      if (!stopped && v !== last) {
        const first = last === null;
        last = v;
        if (!first || v !== undefined) onChange(v);
      }
    } catch (e) {
      logger.warn('could not read the active model version', { err: e });
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
