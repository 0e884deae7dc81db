import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { boundariesPlugin } from './scripts/lint/boundaries.mjs';

// The areas of src/ and what each may import: data flows from the wire format through the ports
// and their adapters, the pure features and the models, to the online path, serving and the roles.
// Nothing imports main/ (the composition roots) or cli/ (the command line) but the command line.
const core = ['core'];
const AREAS = {
  core: [],
  config: core,
  ingest: core,
  bus: [...core, 'ingest'],
  'event-store': [...core, 'ingest'],
  'dead-letters': [...core, 'ingest', 'bus'],
  features: [...core, 'ingest'],
  'feature-store': [...core, 'ingest', 'features'],
  models: [...core, 'ingest', 'features'],
  index: core,
  access: core,
  registry: [...core, 'models'],
  online: [...core, 'access', 'ingest', 'bus', 'event-store', 'feature-store', 'features', 'index', 'models', 'registry'],
  engine: [...core, 'access', 'ingest', 'bus', 'event-store', 'dead-letters', 'feature-store', 'features', 'index', 'models', 'online', 'registry'],
  serve: [...core, 'access', 'ingest', 'features', 'engine', 'index', 'online', 'registry', 'models'],
  batch: [...core, 'ingest', 'event-store', 'features', 'models', 'registry'],
  simulate: [...core, 'ingest', 'bus'],
};
AREAS.main = Object.keys(AREAS).concat('config');
AREAS.cli = [...AREAS.main, 'main'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/results/**', '.data/**', '.services/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-console': 'off',
    },
  },
  {
    // Areas of src/ talk to each other through their index.ts only, in the direction AREAS allows.
    files: ['src/**/*.ts'],
    plugins: { meridian: boundariesPlugin({ srcDir: `${import.meta.dirname}/src`, allowed: AREAS }) },
    rules: {
      'meridian/areas': 'error',
      'max-lines': ['error', { max: 400, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
    },
  },
);
