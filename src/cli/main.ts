// The `meridian` command: one subcommand per role (src/cli/commands.ts), each with its flags as data.
import { createLogger, type LogLevel } from '../core/index.ts';
import { runCli } from './run.ts';

const logger = createLogger({ level: (process.env.MERIDIAN_LOG_LEVEL as LogLevel | undefined) ?? 'info' });
const io = { logger, env: process.env, stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };

process.exitCode = await runCli(process.argv.slice(2), io);
