import { SCOPES, keyNotFound, keyView, type Scope } from '../access/index.ts';
import { loadConfig } from '../config/index.ts';
import { MeridianError } from '../core/index.ts';
import { openKeyring } from '../main/index.ts';
import type { Command } from './command.ts';
import { defineFlags, duration, fail, list, oneOf, parseFlags, type FlagOwner } from './flags.ts';

const OWNER: FlagOwner = { name: 'keys', code: 'cli_flag_invalid', positionals: true };
const USAGE = 'create --tenant T --scopes S[,S…] [--expires 30d] [--name N] | list [--tenant T] | revoke ID [--config FILE]';

const scope = oneOf(...SCOPES);

export const KEYS_FLAGS = defineFlags({
  config: { type: 'string', arg: 'FILE', help: 'JSON configuration file (its featureStore says where keys live)', absent: 'MERIDIAN_CONFIG' },
  tenant: { type: 'string', arg: 'T', help: 'the tenant the key is bound to, or * for an operator (create); only its keys (list)' },
  scopes: {
    type: 'string',
    arg: 'S,S',
    parse: list((text: string): Scope => scope(text.trim())),
    help: `what the key allows, comma-separated: ${SCOPES.join(', ')} (create)`,
  },
  expires: { type: 'string', arg: 'D', parse: duration, help: 'lifetime like 12h or 30d (create)', absent: 'never' },
  name: { type: 'string', arg: 'N', help: 'a label shown by list (create)' },
});

/** `meridian keys …`: API keys in the store serve reads (the feature store's backend). */
export const keysCommand: Command = {
  ...OWNER,
  summary: 'API keys: create --tenant T --scopes S | list | revoke ID (in the store serve reads)',
  usage: USAGE,
  about:
    'Keys live beside the feature store: <dir>/keys.json for memory:<dir>, the same Redis for redis://; a running serve ' +
    'sees a new or revoked key within a second. create prints the key once (it is stored hashed and never shown again); ' +
    'scopes: search (lists and search, safe in a storefront page), events (shopper events), catalog (item_upsert, ' +
    'item_delete), admin (keys, metrics, docs). --tenant * makes an operator key for every tenant.',
  flags: KEYS_FLAGS,
  examples: ['meridian keys create --tenant shop-eu --scopes search', 'meridian keys create --tenant shop-eu --scopes events,catalog --expires 90d', 'meridian keys list', 'meridian keys revoke 3f2a9c0d1e4b5a67'],
  async run(argv, io) {
    const { values: v, positionals: [action, id, ...extra] } = parseFlags(OWNER, KEYS_FLAGS, argv);
    if (extra.length > 0) fail(OWNER, extra[0] as string, 'unexpected argument');
    const config = loadConfig({ env: io.env, file: v.config });
    if (config.featureStore === 'memory:') {
      throw new MeridianError('config_invalid', 'featureStore is "memory:" (nothing on disk): a key made here would reach no server; use memory:<dir> or redis://');
    }
    if (action !== 'create' && action !== 'list' && action !== 'revoke') {
      io.stderr(`usage: meridian keys ${USAGE}\n`);
      return 2;
    }
    const keys = await openKeyring(config, io.logger);
    const print = (value: unknown): void => io.stdout(JSON.stringify(value, null, 2) + '\n');
    try {
      if (action === 'create') {
        if (v.tenant === undefined) fail(OWNER, '--tenant', 'required by create');
        if (v.scopes === undefined) fail(OWNER, '--scopes', 'required by create');
        const { key, info } = await keys.create({ tenant: v.tenant, scopes: v.scopes, name: v.name, expiresInMs: v.expires });
        print({ key, ...keyView(info) });
        io.stderr('keep the key now: it is stored hashed and cannot be shown again\n');
      } else if (action === 'list') {
        print((await keys.list(v.tenant)).map(keyView));
      } else {
        if (id === undefined) fail(OWNER, 'revoke', 'needs an ID (see meridian keys list)');
        if (!(await keys.revoke(id))) throw keyNotFound(id);
        print({ revoked: id });
      }
      return 0;
    } finally {
      await keys.close();
    }
  },
};
