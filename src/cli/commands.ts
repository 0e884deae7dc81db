import type { Command } from './command.ts';
import { evaluateCommand } from './evaluate.ts';
import { keysCommand } from './keys.ts';
import { modelsCommand } from './models.ts';
import { replayCommand } from './replay.ts';
import { serveCommand, workerCommand } from './serve.ts';
import { simulateCommand } from './simulate.ts';
import { trainCommand } from './train.ts';

/** Every subcommand of `meridian`, in the order `meridian --help` and docs/cli.md list them. */
export const COMMANDS: readonly Command[] = [serveCommand, simulateCommand, workerCommand, trainCommand, evaluateCommand, modelsCommand, replayCommand, keysCommand];
