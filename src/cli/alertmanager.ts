/**
 * `cairn alertmanager load|get|delete`: a tenant's Alertmanager configuration on a running
 * server over Mimir's configuration API (`/api/v1/alerts`), for what users otherwise do
 * with `mimirtool alertmanager`. A file is validated locally with the server's own parser
 * before anything is sent, so a bad file changes nothing.
 *
 * `load` takes either Mimir's document (`alertmanager_config:` as a string plus
 * `template_files:`) or a bare Alertmanager configuration plus template files, each
 * named by its base name (`--template FILE`, or further arguments as mimirtool takes them).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { formatUserConfig, parseUserConfig, validateUserConfig, type UserConfig } from '../alertmanager/config-user.js';
import { CairnError } from '../util/errors.js';
import { UsageError } from './args.js';
import { ApiClient, CONNECTION_FLAGS, CONNECTION_USAGE, connection, defaultIo, type CliIo } from './http-client.js';

export const ALERTMANAGER_USAGE = `cairn alertmanager load   [CONN] FILE [--template FILE]... [TEMPLATE_FILE]...
cairn alertmanager get    [CONN]
cairn alertmanager delete [CONN]
${CONNECTION_USAGE}`;

const PATH = '/api/v1/alerts';

function readFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CairnError('bad_data', 'file_unreadable', `cannot read ${file}: ${(e as Error).message}`);
  }
}

/**
 * The document to send from a file and template files: Mimir's document as it is (more
 * template files are added to it), or a bare Alertmanager configuration wrapped in one.
 */
export function loadUserConfig(file: string, templates: readonly string[]): UserConfig {
  const text = readFile(file);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new CairnError('bad_data', 'invalid_file', `${file} is not valid YAML: ${(e as Error).message}`);
  }
  const mimirShape = doc !== null && typeof doc === 'object' && !Array.isArray(doc) && 'alertmanager_config' in doc;
  let base: UserConfig;
  try {
    base = mimirShape ? parseUserConfig(text) : { alertmanagerConfig: text, templateFiles: {} };
  } catch (e) {
    throw new CairnError('bad_data', 'invalid_file', `${file}: ${(e as Error).message}`);
  }
  const files: Record<string, string> = { ...base.templateFiles };
  for (const t of templates) {
    const name = basename(t);
    if (name in files) throw new CairnError('bad_data', 'repeated_template', `template ${name} is given twice`);
    files[name] = readFile(t);
  }
  return { alertmanagerConfig: base.alertmanagerConfig, templateFiles: files };
}

function client(values: { address?: string | undefined; tenant?: string | undefined; token?: string | undefined }, io: CliIo): ApiClient {
  const c = connection(values, io, 'setup_alerts');
  return new ApiClient(io, c.address, c.headers);
}

/** Runs `cairn alertmanager …`; returns the exit code. */
export async function alertmanager(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [sub, ...rest] = argv;
  let values: { address?: string; tenant?: string; token?: string; template?: string[] };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { ...CONNECTION_FLAGS, template: { type: 'string', multiple: true } }, allowPositionals: true, strict: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  switch (sub) {
    case 'load': {
      if (positionals.length === 0) throw new UsageError('usage: cairn alertmanager load FILE [--template FILE]...');
      const api = client(values, io);
      const [file, ...more] = positionals as [string, ...string[]];
      const cfg = loadUserConfig(file, [...(values.template ?? []), ...more]);
      try {
        validateUserConfig(cfg, { alertmanagerMaxTemplatesCount: 0, alertmanagerMaxTemplateSizeBytes: 0 });
      } catch (e) {
        throw new CairnError('bad_data', 'invalid_config', `${file}: error validating Alertmanager config: ${(e as Error).message}`);
      }
      await api.request('POST', PATH, formatUserConfig(cfg));
      const n = Object.keys(cfg.templateFiles).length;
      io.stdout(`loaded the alertmanager configuration${n === 0 ? '' : ` with ${n} template file${n === 1 ? '' : 's'}`}\n`);
      return 0;
    }
    case 'get': {
      if (positionals.length > 0) throw new UsageError('alertmanager get takes no arguments');
      const { status, text } = await client(values, io).request('GET', PATH, undefined, true);
      if (status === 404) {
        io.stderr('no alertmanager configuration is stored; the tenant runs on the fallback configuration\n');
        return 1;
      }
      io.stdout(text);
      return 0;
    }
    case 'delete': {
      if (positionals.length > 0) throw new UsageError('alertmanager delete takes no arguments');
      await client(values, io).request('DELETE', PATH);
      io.stdout('deleted the alertmanager configuration; the tenant runs on the fallback configuration\n');
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'missing alertmanager command (load, get or delete)' : `unknown alertmanager command '${sub}'`);
  }
}
