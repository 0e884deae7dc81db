import { runEvaluate } from '../batch/index.ts';
import { loadConfig } from '../config/index.ts';
import { createModelRegistry } from '../registry/index.ts';
import { createLogger, isMeridianError, type Logger, type LogLevel } from '../core/index.ts';
import { runReplay, runTrain, serveUntilSignal, workerUntilSignal } from '../main/index.ts';
import { runSimulate } from '../simulate/index.ts';

const USAGE = `meridian <command> [options]

Commands:
  serve      the API; with embedded defaults, the whole engine in one process
             --config FILE  --host H  --port N  --no-demo
  simulate   a synthetic cross-border storefront: NDJSON out, or live to the API
             --seed N --items N --users N --events N (--out FILE[.gz] | --url URL --rate N)
  worker     consumes the Kafka events topic and applies every event to the shared stores
             --config FILE  --port N (its /metrics and /healthz)
  train      trains item embeddings, the user encoder and the cold-start content map from the
             event store (or --log FILE / --lines FILE), publishes and activates a model version
             --epochs N --dim N --seed N --every 6h
  evaluate   offline quality with the standard protocols, beside built-in and published baselines
             --data PATH --format lines|sessions [--seed N] [--json] [--out DIR]
  models     the model registry: list | active | activate VERSION | rollback (serve and worker follow it)
  replay     event logs (NDJSON, CSV, gzip) or an event-store range back through the pipeline
             FILE… | --from-store --from ISO --to ISO [--tenant T]; --speed N --batch N --rejected FILE
  help       this text

Configuration: defaults < JSON file (--config or MERIDIAN_CONFIG) < MERIDIAN_* environment < flags.
See README.md for every key.`;

function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** `meridian models …`: what the registry holds, and which version serve and worker follow. */
async function runModels(argv: readonly string[], logger: Logger): Promise<number> {
  const config = loadConfig({ env: process.env, file: flag(argv, '--config') });
  const registry = createModelRegistry({ dir: config.modelDir, logger });
  const print = (v: unknown): boolean => process.stdout.write(JSON.stringify(v, null, 2) + '\n');
  switch (argv[0]) {
    case 'list':
      print(await registry.list());
      return 0;
    case 'active':
      print((await registry.active()) ?? null);
      return 0;
    case 'activate': {
      const version = argv[1];
      if (version === undefined) throw new Error('models activate needs a VERSION (see meridian models list)');
      await registry.activate(version);
      print({ active: version });
      return 0;
    }
    case 'rollback':
      print({ active: await registry.rollback() });
      return 0;
    default:
      process.stderr.write('usage: meridian models list | active | activate VERSION | rollback [--config FILE]\n');
      return 2;
  }
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
    case 'worker': {
      const port = flag(rest, '--port');
      const config = loadConfig({ env: process.env, file: flag(rest, '--config'), overrides: port === undefined ? {} : { workerPort: Number(port) } });
      await workerUntilSignal(config, createLogger({ level: config.logLevel }), { port: config.workerPort });
      return 0;
    }
    case 'train':
      return runTrain([...rest], { logger });
    case 'models':
      return runModels(rest, logger);
    case 'evaluate':
      try {
        await runEvaluate([...rest], { logger, write: (t) => process.stdout.write(t) });
        return 0;
      } catch (e) {
        if (isMeridianError(e) && e.code === 'evaluate_option_invalid') {
          process.stderr.write(`meridian evaluate: ${e.message}\n`);
          return 2;
        }
        throw e;
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
