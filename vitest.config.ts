import { defineConfig } from 'vitest/config';
import { serviceTests } from './test/support/services.ts';

// Two groups: `fast` needs nothing but `npm install`; `services` needs the real servers that
// `npm test` starts (see test/support/services.ts for how a file is placed). `npm test` runs both,
// `npm run test:fast` the first.
const services = serviceTests(import.meta.dirname);

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: run files two at a time so service-backed suites do not starve each other.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'fast', include: ['test/**/*.test.ts'], exclude: services } },
      { extends: true, test: { name: 'services', include: services } },
    ],
  },
});
