import type { Logger } from '../core/index.ts';
import type { FlagOwner, Flags } from './flags.ts';

/** What a subcommand runs with: the logger, the environment and the two output streams. */
export interface CliIO {
  logger: Logger;
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/**
 * One subcommand of `meridian`: its flags as data, the text of its help, and how it runs. The help,
 * the parsing and docs/cli.md all come from this one definition.
 */
export interface Command extends FlagOwner {
  /** One line for `meridian --help`. */
  readonly summary: string;
  /** The synopsis after `meridian <name> `. */
  readonly usage: string;
  /** A paragraph for `meridian <name> --help` and docs/cli.md. */
  readonly about?: string;
  readonly flags: Flags;
  readonly examples: readonly string[];
  /** Parses `argv` (a FlagError on a bad command line) and runs; resolves to the exit code. */
  run(argv: readonly string[], io: CliIO): Promise<number>;
}

/** Prints a line on stdout of the IO, as the roles' `out` callbacks want. */
export const printer =
  (io: Pick<CliIO, 'stdout'>) =>
  (line: string): void =>
    io.stdout(line + '\n');
