/**
 * Mimir's per-tenant configuration document (`UserConfig`): the YAML that
 * `POST /api/v1/alerts` takes and `GET /api/v1/alerts` returns, with `template_files`
 * (file name → template text) and `alertmanager_config` (the Alertmanager YAML as one
 * string), and Mimir's `validateUserConfig` around `parseAlertmanagerConfig`.
 */
import { stringify } from 'yaml';
import { parseAlertmanagerConfig, ConfigValidationError, type TemplateLimits } from './config.js';
import { parseYaml } from './config-yaml.js';
import type { AlertmanagerConfig } from './types.js';

/** A tenant's stored configuration, as text. */
export interface UserConfig {
  readonly alertmanagerConfig: string;
  readonly templateFiles: Readonly<Record<string, string>>;
}

/** Mimir's text for an empty `alertmanager_config`. */
export const EMPTY_CONFIG = "configuration provided is empty, if you'd like to remove your configuration please use the delete configuration endpoint";

/**
 * Decodes a request body as Mimir does (`yaml.Unmarshal` into `UserConfig`, not strict:
 * other keys are ignored). Throws a ConfigDecodeError (config-yaml.ts) with yaml.v2's text, which the API
 * prefixes with `error marshalling YAML Alertmanager config: `.
 */
export function parseUserConfig(body: string): UserConfig {
  const d = parseYaml(body);
  const f = d.struct(d.root(), 'alertmanager.UserConfig', ['template_files', 'alertmanager_config'], false);
  const alertmanagerConfig = d.string(f?.fields.get('alertmanager_config')) ?? '';
  const files = d.stringMap(f?.fields.get('template_files')) ?? new Map<string, string>();
  d.finish();
  return { alertmanagerConfig, templateFiles: Object.fromEntries(files) };
}

/**
 * The document `GET /api/v1/alerts` answers: `template_files` (names sorted, as Go
 * marshals a map) then `alertmanager_config` as a block string.
 */
export function formatUserConfig(cfg: UserConfig): string {
  const files = Object.fromEntries(Object.entries(cfg.templateFiles).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return stringify({ template_files: files, alertmanager_config: cfg.alertmanagerConfig }, { lineWidth: 0, blockQuote: 'literal' });
}

/**
 * Mimir's `validateUserConfig`: refuses an empty `alertmanager_config`, then parses and
 * validates it with the templates and the tenant's template limits. Throws a
 * ConfigValidationError whose message follows `error validating Alertmanager config: `.
 */
export function validateUserConfig(cfg: UserConfig, limits: TemplateLimits): AlertmanagerConfig {
  if (cfg.alertmanagerConfig === '') throw new ConfigValidationError(EMPTY_CONFIG);
  return parseAlertmanagerConfig(cfg.alertmanagerConfig, cfg.templateFiles, { limits });
}
