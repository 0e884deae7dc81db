import { MeridianError, type Logger } from '../../core/index.ts';
import { createEventsTableSql, replaceEventsEngine, sqlInt, sqlString, type SqlSession } from '../sql.ts';
import type { ClickHouseTransport } from './transport.ts';

/** What the server supports, detected at start; SQL that differs by version reads only this. */
export interface ServerInfo {
  version: string;
  /** LowCardinality(String) usable without an experimental flag (18.x has it only behind one). */
  lowCardinality: boolean;
  /** Query settings this server knows, among those the store may send. */
  settings: ReadonlySet<string>;
  /** MergeTree table settings this server knows, among those migrations may set. */
  mergeTreeSettings: ReadonlySet<string>;
}

/** The events table and the schema table that records its migrations. */
export interface EventsTable {
  database: string;
  table: string;
  /** `database.table` */
  name: string;
}

/** Settings the store sends only where the server has them. */
const KNOWN_SETTINGS = ['max_partitions_per_insert_block', 'async_insert', 'wait_for_async_insert', 'async_insert_deduplicate', 'allow_experimental_low_cardinality_type'];
const KNOWN_MERGE_TREE_SETTINGS = ['non_replicated_deduplication_window'];

const listSql = (names: readonly string[]): string => names.map(sqlString).join(', ');

/** Version and capabilities in one round trip; the system tables used exist since 18.x. */
export async function detectServer(t: ClickHouseTransport): Promise<ServerInfo> {
  const text = await t.run(
    'query',
    `SELECT 'version', version(), '' ` +
      `UNION ALL SELECT 'setting', name, value FROM system.settings WHERE name IN (${listSql(KNOWN_SETTINGS)}) ` +
      `UNION ALL SELECT 'merge_tree', name, '' FROM system.merge_tree_settings WHERE name IN (${listSql(KNOWN_MERGE_TREE_SETTINGS)}) ` +
      `UNION ALL SELECT 'type', name, '' FROM system.data_type_families WHERE name = 'LowCardinality' ` +
      'FORMAT TabSeparated',
  );
  let version = '';
  const settings = new Map<string, string>();
  const mergeTree = new Set<string>();
  let hasLowCardinality = false;
  for (const line of text.split('\n')) {
    const [kind, name = '', value = ''] = line.split('\t');
    if (kind === 'version') version = name;
    else if (kind === 'setting') settings.set(name, value);
    else if (kind === 'merge_tree') mergeTree.add(name);
    else if (kind === 'type') hasLowCardinality = true;
  }
  const gate = settings.get('allow_experimental_low_cardinality_type');
  return {
    version,
    lowCardinality: hasLowCardinality && (gate === undefined || gate === '1'),
    settings: new Set(settings.keys()),
    mergeTreeSettings: mergeTree,
  };
}

export interface Migration {
  version: number;
  name: string;
  /** Idempotent statements (two processes may start at once), or undefined while the server cannot run them. */
  statements(table: EventsTable, server: ServerInfo): string[] | undefined;
  /** Steps that need the server's answers, run after the statements; idempotent too. */
  run?(t: ClickHouseTransport, table: EventsTable, server: ServerInfo): Promise<void>;
}

/** The transport as the SQL session the shared schema steps take. */
function sqlSession(t: ClickHouseTransport): SqlSession {
  return {
    command: async (sql) => void (await t.run('command', sql)),
    query: (sql) => t.run('query', `${sql} FORMAT TabSeparated`),
  };
}

const DEDUPLICATION_WINDOW = 'non_replicated_deduplication_window = 1000';

/**
 * Migrations of the events table, in order. A missing table is created at every start (version 1,
 * the layout of createEventsTableSql, shared with chDB); later versions change an existing one. A
 * later build appends a migration; one the server cannot run yet stays pending and runs at the
 * first start on a server that can.
 */
export const EVENTS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'events table partitioned by day, ordered by (tenant, shopper, ts, id)',
    statements: () => [],
  },
  {
    version: 2,
    name: 'deduplicate a retried insert of the same block (non_replicated_deduplication_window)',
    statements: (t, s) =>
      s.mergeTreeSettings.has('non_replicated_deduplication_window')
        ? [`ALTER TABLE ${t.name} MODIFY SETTING ${DEDUPLICATION_WINDOW}`]
        : undefined,
  },
  {
    version: 3,
    name: 'keep an event appended twice once (ReplacingMergeTree; tables of versions 1 and 2 are copied over)',
    statements: () => [],
    async run(t, table, server) {
      // Version 2 set the window on the old table; the new one gets it where the server has it.
      const settings = server.mergeTreeSettings.has('non_replicated_deduplication_window') ? DEDUPLICATION_WINDOW : '';
      await replaceEventsEngine(sqlSession(t), { database: table.database, table: table.table }, settings);
    },
  },
];

/** Columns the store reads and writes, with the types it accepts. */
const COLUMNS: Record<string, readonly string[]> = {
  tenant: ['String', 'LowCardinality(String)'],
  id: ['String'],
  type: ['String', 'LowCardinality(String)'],
  market: ['String', 'LowCardinality(String)'],
  shopper: ['String'],
  item: ['String'],
  ts: ['Int64'],
  day: ['Date'],
  body: ['String'],
};

async function checkColumns(t: ClickHouseTransport, table: EventsTable): Promise<void> {
  const text = await t.run(
    'query',
    `SELECT name, type FROM system.columns WHERE database = ${sqlString(table.database)} AND table = ${sqlString(table.table)} FORMAT TabSeparated`,
  );
  const types = new Map(text.split('\n').filter((l) => l !== '').map((l) => l.split('\t') as [string, string]));
  for (const [column, accepted] of Object.entries(COLUMNS)) {
    const type = types.get(column);
    if (type === undefined || !accepted.includes(type)) {
      throw new MeridianError(
        'event_store_schema_mismatch',
        `clickhouse: ${table.name} exists but is not a Meridian events table: column ${column} is ${type ?? 'missing'}, expected ${accepted.join(' or ')}`,
      );
    }
  }
}

/**
 * Brings the events table to the newest schema this build knows: creates the database, the table
 * if missing and `schema_version` (one row per applied migration and table), runs what is missing
 * in order, and checks the columns. A table migrated by a newer build is refused, not guessed at.
 */
export async function migrateEventsSchema(
  t: ClickHouseTransport,
  table: EventsTable,
  server: ServerInfo,
  logger: Logger,
  migrations: readonly Migration[] = EVENTS_MIGRATIONS,
): Promise<{ applied: number[]; pending: number[] }> {
  const versions = `${table.database}.schema_version`;
  await t.run('command', `CREATE DATABASE IF NOT EXISTS ${table.database}`);
  await t.run('command', createEventsTableSql(table.name, server));
  await t.run(
    'command',
    `CREATE TABLE IF NOT EXISTS ${versions} (target String, version UInt32, name String, applied DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY (target, version)`,
  );
  const done = new Set(
    (await t.run('query', `SELECT DISTINCT version FROM ${versions} WHERE target = ${sqlString(table.table)} FORMAT TabSeparated`))
      .split('\n')
      .filter((l) => l !== '')
      .map(Number),
  );
  const newest = Math.max(0, ...migrations.map((m) => m.version));
  const ahead = [...done].filter((v) => v > newest);
  if (ahead.length > 0) {
    throw new MeridianError(
      'event_store_schema_newer',
      `clickhouse: ${table.name} is at schema version ${Math.max(...ahead)}, newer than this build knows (${newest}); run a newer Meridian`,
    );
  }
  const applied: number[] = [];
  const pending: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    const statements = m.statements(table, server);
    if (statements === undefined) {
      pending.push(m.version);
      logger.info('clickhouse: schema migration waits for a newer server', { table: table.name, version: m.version, migration: m.name, server: server.version });
      continue;
    }
    for (const sql of statements) await t.run('command', sql);
    await m.run?.(t, table, server);
    await t.run('command', `INSERT INTO ${versions} (target, version, name) VALUES (${sqlString(table.table)}, ${sqlInt(m.version)}, ${sqlString(m.name)})`);
    applied.push(m.version);
    logger.info('clickhouse: schema migrated', { table: table.name, version: m.version, migration: m.name });
  }
  await checkColumns(t, table);
  return { applied, pending };
}
