import { loadConfig } from './config/index.ts';
import { createLogger, isMeridianError, type LogLevel } from './core/index.ts';
import { runReplay, serveUntilSignal } from './main/index.ts';
import { runSimulate } from './simulate/index.ts';

const USAGE = `meridian <command> [options]

Commands:
  serve      the API; with embedded defaults, the whole engine in one process
             --config FILE  --host H  --port N  --no-demo
  simulate   a synthetic cross-border storefront: NDJSON out, or live to the API
             --seed N --items N --users N --events N (--out FILE[.gz] | --url URL --rate N)
  replay     event logs (NDJSON, CSV, gzip) or an event-store range back through the pipeline
             FILE… | --from-store --from ISO --to ISO [--tenant T]; --speed N --batch N --rejected FILE
  help       this text

Configuration: defaults < JSON file (--config or MERIDIAN_CONFIG) < MERIDIAN_* environment < flags.
See README.md for every key.`;

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const logger = createLogger({ level: (process.env.MERIDIAN_LOG_LEVEL as LogLevel | undefined) ?? 'info' });
  switch (command) {
    case 'serve': {
      const overrides: Record<string, unknown> = {};
      const port = flag(rest, '--port');
      const host = flag(rest, '--host');
      if (port !== undefined) overrides.port = Number(port);
      if (host !== undefined) overrides.host = host;
      if (rest.includes('--no-demo')) overrides.demo = { enabled: false };
      const config = loadConfig({ env: process.env, file: flag(rest, '--config'), overrides });
      await serveUntilSignal(config, createLogger({ level: config.logLevel }));
      return 0;
    }
    case 'simulate':
      return runSimulate([...rest], { logger });
    case 'replay':
      return runReplay([...rest], { logger });
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`meridian: unknown command "${command}"\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isMeridianError(e)) process.stderr.write(`meridian: ${e.message}\n`);
    else process.stderr.write(`meridian: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
