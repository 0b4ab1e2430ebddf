// Proves `cairn alertmanager` drives a running server as a user would: load (Mimir's document or a bare config plus templates), get and delete over HTTP, validating locally first and never printing the token.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { alertmanager } from '../../src/cli/alertmanager.js';
import { UsageError } from '../../src/cli/args.js';
import type { CliIo } from '../../src/cli/http-client.js';
import { useCliServer } from '../helpers/cli.js';

const T = 'cli-am';
const cli = useCliServer({ tenant: T, scopes: 'setup_alerts', command: alertmanager });
const { run, file } = cli;

const BARE = 'route:\n  receiver: r\nreceivers:\n  - name: r\ntemplates: ["*.tmpl"]\n';

describe('cairn alertmanager', () => {
  it('loads a bare config with templates, gets it, deletes it', async () => {
    expect(await run('get')).toEqual({ code: 1, out: '', err: 'no alertmanager configuration is stored; the tenant runs on the fallback configuration\n' });
    const cfg = file('am.yaml', BARE);
    const t1 = file('a.tmpl', '{{ define "a" }}A{{ end }}');
    const t2 = file('b.tmpl', '{{ define "b" }}B{{ end }}');
    expect(await run('load', cfg, '--template', t1, t2)).toEqual({ code: 0, out: 'loaded the alertmanager configuration with 2 template files\n', err: '' });
    const got = await run('get');
    expect(got.code).toBe(0);
    expect(parseYaml(got.out)).toEqual({ template_files: { 'a.tmpl': '{{ define "a" }}A{{ end }}', 'b.tmpl': '{{ define "b" }}B{{ end }}' }, alertmanager_config: BARE });
    expect(cli.running.alertmanagerConfigs.configFor(T).config.templateFiles.map((f) => f.name)).toEqual(['a.tmpl', 'b.tmpl']);

    expect(await run('delete')).toEqual({ code: 0, out: 'deleted the alertmanager configuration; the tenant runs on the fallback configuration\n', err: '' });
    expect((await run('get')).code).toBe(1);
  });

  it('loads Mimir’s document as mimirtool’s users keep it, and what get printed', async () => {
    const doc = file('mimir.yaml', `template_files:\n  x.tmpl: '{{ define "x" }}X{{ end }}'\nalertmanager_config: |\n  route:\n    receiver: r\n  receivers:\n    - name: r\n`);
    expect((await run('load', doc)).out).toBe('loaded the alertmanager configuration with 1 template file\n');
    const printed = file('printed.yaml', (await run('get')).out);
    expect((await run('load', printed)).code).toBe(0);
    expect(cli.running.alertmanagerConfigs.get(T)?.templateFiles).toEqual({ 'x.tmpl': '{{ define "x" }}X{{ end }}' });
    await run('delete');
  });

  it('refuses an invalid file before sending anything', async () => {
    const bad = file('bad.yaml', 'route:\n  receiver: nope\n');
    await expect(run('load', bad)).rejects.toThrow(`${bad}: error validating Alertmanager config: undefined receiver "nope" used in route`);
    expect(cli.running.alertmanagerConfigs.get(T)).toBeUndefined();
  });

  it('reports usage mistakes and server refusals', async () => {
    await expect(run('load')).rejects.toBeInstanceOf(UsageError);
    await expect(run('get', 'x')).rejects.toBeInstanceOf(UsageError);
    await expect(run('frobnicate')).rejects.toThrow("unknown alertmanager command 'frobnicate'");
    const io: CliIo = { stdout: () => {}, stderr: () => {}, env: { CAIRN_ADDRESS: cli.running.url, CAIRN_TENANT: T, CAIRN_TOKEN: 'nope' }, fetch: globalThis.fetch };
    await expect(alertmanager(['get'], io)).rejects.toThrow(/GET .*\/api\/v1\/alerts: 401 /);
    await expect(alertmanager(['get'], { ...io, env: {} })).rejects.toThrow('a tenant is required');
  });
});
