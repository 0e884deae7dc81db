import { isMeridianError } from '../core/index.ts';
import type { CliIO } from './command.ts';
import { COMMANDS } from './commands.ts';
import { FlagError, wantsHelp } from './flags.ts';
import { commandHelp, overview } from './help.ts';

const find = (name: string | undefined) => COMMANDS.find((c) => c.name === name);

/** `meridian help [command]`, `meridian --help`, or none: the overview, or one command's help. */
function help(topic: string | undefined, io: CliIO): number {
  if (topic === undefined) {
    io.stdout(overview(COMMANDS));
    return 0;
  }
  const cmd = find(topic);
  if (cmd === undefined) {
    io.stderr(`meridian: unknown command "${topic}"\n\n${overview(COMMANDS)}`);
    return 2;
  }
  io.stdout(commandHelp(cmd));
  return 0;
}

/**
 * Runs `meridian <argv>` and resolves to the exit code: 0 done, 2 a command line it cannot use (the
 * message on stderr), 1 a failure (its message, or the stack of an unexpected error).
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stdout(overview(COMMANDS));
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') return help(rest[0], io);
  const cmd = find(name);
  if (cmd === undefined) {
    io.stderr(`meridian: unknown command "${name}"\n\n${overview(COMMANDS)}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    io.stdout(commandHelp(cmd));
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof FlagError) {
      io.stderr(e.message + '\n');
      return 2;
    }
    if (isMeridianError(e)) io.stderr(`meridian: ${e.message}\n`);
    else io.stderr(`meridian: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
