import { afterAll, describe } from 'vitest';
import { uniquePrefix } from '../support/helpers.ts';
import { hostilePipeline } from '../support/hostile-pipeline.ts';
import { clickhouseTestUrl } from '../support/services.ts';

const SERVER = clickhouseTestUrl();
const server: string = SERVER;
const database = uniquePrefix('meridian_hostile').replace(/-/g, '_');
afterAll(async () => {
  await fetch(server, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` });
});

describe('hostile input, engine on the ClickHouse server', () => {
  hostilePipeline(() => `${server}/${database}`);
});
