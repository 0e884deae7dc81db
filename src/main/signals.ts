import type { Logger } from '../core/index.ts';

/**
 * Resolves once SIGINT or SIGTERM has been received and `close` has finished: the graceful stop
 * shared by every long-running role. A second signal exits at once.
 */
export function closeOnSignal(close: () => Promise<void>, logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    let signalled = false;
    const onSignal = (sig: NodeJS.Signals): void => {
      if (signalled) process.exit(130);
      signalled = true;
      logger.info(`received ${sig}`);
      close().then(resolve, (e: unknown) => {
        logger.error('shutdown failed', { err: e });
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
