import type { Logger } from './logger.ts';

/** One step of a shutdown: its name for the log, and what it does. */
export type CloseStep = readonly [name: string, close: () => unknown];

/**
 * Runs every step in order, each in its own try, so a step that fails skips neither the steps
 * after it (the last snapshot, another adapter's close) nor stops the shutdown half way. Each
 * failure is logged with its step's name; once every step has run, the first is rethrown.
 */
export async function closeAll(steps: readonly CloseStep[], logger: Logger): Promise<void> {
  let failed: { first: unknown } | undefined;
  for (const [name, close] of steps) {
    try {
      await close();
    } catch (e) {
      logger.error('close failed', { step: name, err: e });
      failed ??= { first: e };
    }
  }
  if (failed !== undefined) throw failed.first;
}
