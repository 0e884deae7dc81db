import { loadConfig } from '../config/index.ts';
import { createModelRegistry } from '../registry/index.ts';
import type { Command } from './command.ts';
import { defineFlags, fail, parseFlags, type FlagOwner } from './flags.ts';

const OWNER: FlagOwner = { name: 'models', code: 'config_invalid', positionals: true };
const USAGE = 'list | active | activate VERSION | rollback [--config FILE]';

export const MODELS_FLAGS = defineFlags({
  config: { type: 'string', arg: 'FILE', help: 'JSON configuration file (its modelDir is the registry)', absent: 'MERIDIAN_CONFIG' },
});

/** `meridian models …`: what the registry holds, and which version serve and worker follow. */
export const modelsCommand: Command = {
  ...OWNER,
  summary: 'the model registry: list | active | activate VERSION | rollback (serve and worker follow it)',
  usage: USAGE,
  about:
    'list: every version with its manifest; active: the version serve and worker follow; activate VERSION: follow that one; ' +
    'rollback: back to the previous active version. Indexes are rebuilt in the background and swapped in one step.',
  flags: MODELS_FLAGS,
  examples: ['meridian models list', 'meridian models activate 2026-01-02T03-04-05Z'],
  async run(argv, io) {
    const { values: v, positionals: [action, version] } = parseFlags(OWNER, MODELS_FLAGS, argv);
    const registry = createModelRegistry({ dir: loadConfig({ env: io.env, file: v.config }).modelDir, logger: io.logger });
    const print = (value: unknown): void => io.stdout(JSON.stringify(value, null, 2) + '\n');
    switch (action) {
      case 'list':
        print(await registry.list());
        return 0;
      case 'active':
        print((await registry.active()) ?? null);
        return 0;
      case 'activate':
        if (version === undefined) fail(OWNER, 'activate', 'needs a VERSION (see meridian models list)');
        await registry.activate(version);
        print({ active: version });
        return 0;
      case 'rollback':
        print({ active: await registry.rollback() });
        return 0;
      default:
        io.stderr(`usage: meridian models ${USAGE}\n`);
        return 2;
    }
  },
};
