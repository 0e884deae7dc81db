import { afterAll, describe } from 'vitest';
import { uniquePrefix } from '../support/helpers.ts';
import { hostilePipeline } from '../support/hostile-pipeline.ts';

const SERVER = process.env.MERIDIAN_TEST_CLICKHOUSE_URL;
if (SERVER === undefined || SERVER === '') {
  throw new Error('MERIDIAN_TEST_CLICKHOUSE_URL is not set: run the tests with `npm test`, which starts ClickHouse and sets it');
}
const server: string = SERVER;
const database = uniquePrefix('meridian_hostile').replace(/-/g, '_');
afterAll(async () => {
  await fetch(server, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` });
});

describe('hostile input, engine on the ClickHouse server', () => {
  hostilePipeline(() => `${server}/${database}`);
});
