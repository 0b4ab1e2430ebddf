// Lint: typescript-eslint's recommended rules plus the one-way dependency rule of
// ../shared/DESIGN.md: util, model <- config, auth <- storage (shared WAL and block machinery)
// <- tsdb, logstore <- ingest, promql, logql <- ruler,
// alertmanager <- api <- cli. Each layer lists the folders it must not import.
import tseslint from 'typescript-eslint';

const layers = {
  util: ['storage', 'model', 'config', 'auth', 'tsdb', 'logstore', 'ingest', 'promql', 'logql', 'ruler', 'alertmanager', 'api', 'cli', 'workers'],
  model: ['storage', 'config', 'auth', 'tsdb', 'logstore', 'ingest', 'promql', 'logql', 'ruler', 'alertmanager', 'api', 'cli'],
  config: ['storage', 'auth', 'tsdb', 'logstore', 'ingest', 'promql', 'logql', 'ruler', 'alertmanager', 'api', 'cli'],
  auth: ['storage', 'tsdb', 'logstore', 'ingest', 'promql', 'logql', 'ruler', 'alertmanager', 'api', 'cli'],
  storage: ['tsdb', 'logstore', 'ingest', 'promql', 'logql', 'ruler', 'alertmanager', 'api', 'cli'],
  tsdb: ['logstore', 'ingest', 'promql', 'logql', 'ruler', 'alertmanager', 'api', 'cli'],
  logstore: ['tsdb', 'ingest', 'promql', 'logql', 'ruler', 'alertmanager', 'api', 'cli'],
  ingest: ['promql', 'logql', 'ruler', 'alertmanager', 'api', 'cli'],
  promql: ['ingest', 'logql', 'ruler', 'alertmanager', 'api', 'cli'],
  logql: ['ingest', 'promql', 'ruler', 'alertmanager', 'api', 'cli'],
  ruler: ['ingest', 'alertmanager', 'api', 'cli'],
  alertmanager: ['ingest', 'ruler', 'api', 'cli'],
  api: ['cli'],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bench/.out/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...Object.entries(layers).map(([layer, banned]) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: banned.map((b) => ({
          group: [`**/${b}/*`, `../${b}`, `../../${b}`],
          message: `src/${layer} must not import src/${b}: dependencies point down (DESIGN.md).`,
        })),
      }],
    },
  })),
);
