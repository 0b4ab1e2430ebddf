/** Alertmanager's templates render Alertmanager's default outputs, and the engine's named templates behave as Go's. */
import { describe, expect, it } from 'vitest';
import { compileTemplateFiles, casesTitle, humanizeDuration, htmlEscape } from '../../src/alertmanager/templates.js';
import type { Alert, NotificationData } from '../../src/alertmanager/types.js';
import { GoTemplateSet, TemplateParseError, compileTemplate } from '../../src/logql/template/index.js';
import { FUNCTIONS } from '../../src/logql/template/functions.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

function alert(labels: Record<string, string>, annotations: Record<string, string>, resolved: boolean, fp = '0123456789abcdef'): Alert {
  return {
    labels: Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, value]) => ({ name, value })),
    annotations,
    startsAtMs: NOW - 60_000,
    endsAtMs: resolved ? NOW - 1000 : NOW + 300_000,
    updatedAtMs: NOW,
    generatorURL: 'http://prom/graph?g0.expr=up&g0.tab=1',
    fingerprint: fp,
    timeout: false,
  };
}

function data(alerts: Alert[], groupLabels: Record<string, string> = { alertname: 'InstanceDown' }): NotificationData {
  return {
    tenant: 't1',
    receiver: 'team.ops',
    groupKey: '{}:{alertname="InstanceDown"}',
    groupLabels: Object.entries(groupLabels).map(([name, value]) => ({ name, value })),
    alerts,
    externalURL: 'http://cairn:9009/alertmanager',
    nowMs: NOW,
  };
}

const firing1 = alert({ alertname: 'InstanceDown', job: 'node', instance: 'a:9100' }, { summary: 'a is down' }, false, 'aaaaaaaaaaaaaaaa');
const firing2 = alert({ alertname: 'InstanceDown', job: 'node', instance: 'b:9100' }, { summary: 'b is down' }, false, 'bbbbbbbbbbbbbbbb');
const resolved1 = alert({ alertname: 'InstanceDown', job: 'node', instance: 'c:9100' }, {}, true, 'cccccccccccccccc');

describe('default templates', () => {
  const t = compileTemplateFiles([]);
  // Outputs as Alertmanager 0.27's default.tmpl renders them for the same data.
  const rows: { name: string; template: string; d: NotificationData; expected: string }[] = [
    { name: 'subject, firing, extra common labels', template: '__subject', d: data([firing1, firing2]), expected: '[FIRING:2] InstanceDown (node)' },
    { name: 'subject, mixed', template: '__subject', d: data([firing1, resolved1]), expected: '[FIRING:1] InstanceDown (node)' },
    { name: 'subject, resolved', template: '__subject', d: data([resolved1]), expected: '[RESOLVED] InstanceDown (c:9100 node)' },
    { name: 'subject, common = group labels', template: '__subject', d: data([alert({ alertname: 'X' }, {}, false)], { alertname: 'X' }), expected: '[FIRING:1] X ' },
    { name: 'email subject', template: 'email.default.subject', d: data([firing1]), expected: '[FIRING:1] InstanceDown (a:9100 node)' },
    { name: 'slack title', template: 'slack.default.title', d: data([firing1]), expected: '[FIRING:1] InstanceDown (a:9100 node)' },
    { name: 'slack username', template: 'slack.default.username', d: data([firing1]), expected: 'AlertManager' },
    { name: 'slack titlelink (receiver regexp-quoted, then query-escaped)', template: 'slack.default.titlelink', d: data([firing1]), expected: 'http://cairn:9009/alertmanager/#/alerts?receiver=team%5C.ops' },
    {
      name: 'slack fallback',
      template: 'slack.default.fallback',
      d: data([firing1]),
      expected: '[FIRING:1] InstanceDown (a:9100 node) | http://cairn:9009/alertmanager/#/alerts?receiver=team%5C.ops',
    },
    { name: 'slack text is empty', template: 'slack.default.text', d: data([firing1]), expected: '' },
    { name: 'description is empty', template: '__description', d: data([firing1]), expected: '' },
  ];
  it.each(rows)('$name', ({ template, d, expected }) => {
    expect(t.execute(template, d)).toBe(expected);
  });

  it('__text_alert_list prints labels with alertname first, annotations and source', () => {
    const out = t.expand('{{ template "__text_alert_list" .Alerts.Firing }}', data([firing1, resolved1]));
    expect(out).toBe(
      'Labels:\n - alertname = InstanceDown\n - instance = a:9100\n - job = node\nAnnotations:\n - summary = a is down\nSource: http://prom/graph?g0.expr=up&g0.tab=1\n',
    );
  });

  it('the HTML email escapes values and links back', () => {
    const a = alert({ alertname: 'InstanceDown' }, { summary: '<b>x</b> & "y"' }, false);
    const html = t.expandHTML('{{ template "email.default.html" . }}', data([a]));
    expect(html).toContain('<title>[FIRING:1] InstanceDown </title>');
    expect(html).toContain('summary = &lt;b&gt;x&lt;/b&gt; &amp; &#34;y&#34;<br />');
    expect(html).toContain('href="http://prom/graph?g0.expr=up&amp;g0.tab=1"');
    expect(html).toContain('View in AlertManager');
    expect(html).toContain('[1] Firing');
    expect(html).not.toContain('Resolved</strong>');
    expect(t.expandHTML('{{ "<i>" | safeHtml }}{{ "<i>" }}', data([a]))).toBe('<i>&lt;i&gt;');
  });
});

describe('data and functions', () => {
  const t = compileTemplateFiles([], () => NOW);
  const d = data([firing1, resolved1]);
  const rows: { name: string; text: string; expected: string }[] = [
    { name: 'receiver is regexp-quoted', text: '{{ .Receiver }}', expected: 'team\\.ops' },
    { name: 'status', text: '{{ .Status }} {{ len .Alerts }} {{ len .Alerts.Firing }} {{ len .Alerts.Resolved }}', expected: 'firing 2 1 1' },
    { name: 'alert fields', text: '{{ range .Alerts }}{{ .Status }} {{ .Fingerprint }} {{ .Labels.instance }};{{ end }}', expected: 'firing aaaaaaaaaaaaaaaa a:9100;resolved cccccccccccccccc c:9100;' },
    { name: 'firing end is the zero time', text: '{{ (index .Alerts 0).EndsAt }}|{{ (index .Alerts 0).EndsAt.IsZero }}', expected: '0001-01-01 00:00:00 +0000 UTC|true' },
    { name: 'resolved end', text: '{{ (index .Alerts 1).EndsAt.Format "2006-01-02T15:04:05Z07:00" }}', expected: '2024-01-02T03:04:04Z' },
    { name: 'KV prints as a Stringer', text: '{{ .CommonLabels }}', expected: 'alertname=InstanceDown, job=node' },
    { name: 'KV methods', text: '{{ .CommonLabels.Names | join "," }} {{ .CommonLabels.Values | join "," }} {{ (.CommonLabels.Remove (stringSlice "job")).Names }}', expected: 'alertname,job InstanceDown,node [alertname]' },
    { name: 'SortedPairs ranges with .Name/.Value', text: '{{ range .GroupLabels.SortedPairs }}{{ .Name }}={{ .Value }}{{ end }} {{ .GroupLabels.SortedPairs }}', expected: 'alertname=InstanceDown alertname=InstanceDown' },
    { name: 'common annotations', text: '[{{ .CommonAnnotations }}] {{ .ExternalURL }} {{ .GroupKey }}', expected: '[] http://cairn:9009/alertmanager {}:{alertname="InstanceDown"}' },
    { name: 'toUpper toLower title trimSpace', text: '{{ toUpper "ab" }} {{ toLower "AB" }} {{ title "hELLO wORLD" }} [{{ trimSpace "  x \t" }}]', expected: 'AB ab Hello World [x]' },
    { name: 'match and reReplaceAll', text: '{{ match "^a.*" "abc" }} {{ match "^x" "abc" }} {{ reReplaceAll "(a)(b)" "$2$1" "abab" }}', expected: 'true false baba' },
    { name: 'urlUnescape, safeUrl', text: '{{ urlUnescape "a%20b+c" }} {{ safeUrl "http://x/?a=b" }}', expected: 'a b c http://x/?a=b' },
    { name: 'date and tz', text: '{{ (index .Alerts 0).StartsAt | tz "Europe/Paris" | date "15:04 MST" }}', expected: '04:03 CET' },
    { name: 'since', text: '{{ since (index .Alerts 0).StartsAt }}', expected: '1m0s' },
    { name: 'humanizeDuration', text: '{{ humanizeDuration 3661 }} {{ humanizeDuration "0.25" }}', expected: '1h 1m 1s 250ms' },
    { name: 'Go builtins', text: '{{ printf "%05.1f" 3.14159 }} {{ if and (gt 2 1) (ne "a" "b") }}ok{{ end }}', expected: '003.1 ok' },
    { name: 'missing map key is empty', text: '[{{ .CommonLabels.nope }}]', expected: '[]' },
    { name: 'text without actions', text: 'plain', expected: 'plain' },
  ];
  it.each(rows)('$name', ({ text, expected }) => {
    expect(t.expand(text, d)).toBe(expected);
  });

  const errors: { name: string; text: string; error: string }[] = [
    { name: 'unknown struct field', text: '{{ .Nope }}', error: 'template: :1:3: executing "" at <.Nope>: can\'t evaluate field Nope in type *template.Data' },
    { name: 'unknown template', text: '{{ template "nope" . }}', error: 'template: :1:12: executing "" at <{{template "nope" .}}>: template "nope" not defined' },
    { name: 'unknown function', text: '{{ nope }}', error: 'template: :1: function "nope" not defined' },
    { name: 'bad time zone', text: '{{ tz "Mars/Base" (index .Alerts 0).StartsAt }}', error: 'error calling tz: unknown time zone Mars/Base' },
  ];
  it.each(errors)('error: $name', ({ text, error }) => {
    expect(() => t.expand(text, d)).toThrow(error);
  });

  it('helpers match their Go counterparts', () => {
    expect(casesTitle("o'neil's DOG-house")).toBe("O'neil's Dog-House");
    expect(humanizeDuration(0.000001)).toBe('1us');
    expect(humanizeDuration(-90061)).toBe('-1d 1h 1m 1s');
    expect(htmlEscape(`<a href='x'>+&</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&#43;&amp;&lt;/a&gt;');
  });
});

describe('tenant template files', () => {
  it('override defaults, define their own and see the defaults', () => {
    const t = compileTemplateFiles([
      { name: 'a.tmpl', text: '{{ define "__subject" }}custom {{ .Status }}{{ end }}{{ define "mine" }}<{{ template "__alertmanager" . }}>{{ end }}' },
      { name: 'b.tmpl', text: '{{ define "mine" }}{{ end }}' },
    ]);
    const d = data([firing1]);
    expect(t.execute('__subject', d)).toBe('custom firing');
    expect(t.execute('slack.default.title', d)).toBe('custom firing');
    // An empty definition never replaces a body (Go's associate).
    expect(t.execute('mine', d)).toBe('<AlertManager>');
    // A field text may define templates of its own, which stay local to it.
    expect(t.expand('{{ define "local" }}L{{ end }}{{ template "local" }}{{ template "mine" . }}', d)).toBe('L<AlertManager>');
    expect(() => t.execute('local', d)).toThrow('no template "local"');
  });

  const parseErrors: { name: string; text: string; error: string }[] = [
    { name: 'unclosed define', text: '{{ define "x" }}abc', error: 'template: bad.tmpl:1: unexpected EOF' },
    { name: 'define name not a string', text: '{{ define x }}{{ end }}', error: 'template: bad.tmpl:1: unexpected "x" in define clause' },
    { name: 'twice in one file', text: '{{ define "x" }}a{{ end }}{{ define "x" }}b{{ end }}', error: 'template: bad.tmpl:1: template: multiple definition of template "x"' },
    { name: 'else in define', text: '{{ define "x" }}a{{ else }}b{{ end }}', error: 'template: bad.tmpl:1: unexpected {{else}} in define clause' },
    { name: 'template clause without name', text: '{{ template }}', error: 'template: bad.tmpl:1: unexpected "}}" in template clause' },
    { name: 'unknown function inside define', text: '\n{{ define "x" }}\n{{ nope }}{{ end }}', error: 'template: bad.tmpl:3: function "nope" not defined' },
  ];
  it.each(parseErrors)('parse error: $name', ({ text, error }) => {
    expect(() => compileTemplateFiles([{ name: 'bad.tmpl', text }])).toThrow(error);
  });
});

describe('named templates in the Go template engine', () => {
  const set = (...texts: string[]): GoTemplateSet => {
    const s = new GoTemplateSet({ functions: FUNCTIONS });
    texts.forEach((text, i) => s.parse(`f${i}`, text));
    return s;
  };
  const rows: { name: string; texts: string[]; run: string; dot: string; expected: string }[] = [
    { name: 'template with dot', texts: ['{{ define "a" }}[{{ . }}]{{ end }}{{ template "a" "x" }}'], run: 'f0', dot: '', expected: '[x]' },
    { name: 'template without pipeline has nil dot', texts: ['{{ define "a" }}[{{ . }}]{{ end }}{{ template "a" }}'], run: 'f0', dot: 'd', expected: '[<no value>]' },
    { name: 'block defines and runs', texts: ['{{ block "b" . }}<{{ . }}>{{ end }}'], run: 'f0', dot: 'd', expected: '<d>' },
    { name: 'a later file overrides a block', texts: ['{{ block "b" . }}<{{ . }}>{{ end }}', '{{ define "b" }}({{ . }}){{ end }}'], run: 'f0', dot: 'd', expected: '(d)' },
    { name: 'variables do not leak into a define', texts: ['{{ $x := 1 }}{{ define "a" }}{{ $ }}{{ end }}{{ template "a" "in" }}{{ $x }}'], run: 'f0', dot: '', expected: 'in1' },
    { name: 'recursion', texts: ['{{ define "r" }}{{ if . }}{{ len . }}{{ template "r" (slice . 1) }}{{ end }}{{ end }}'], run: 'r', dot: 'abc', expected: '321' },
  ];
  it.each(rows)('$name', ({ texts, run, dot, expected }) => {
    expect(set(...texts).execute(run, dot)).toBe(expected);
  });

  it('stops runaway recursion with Go\'s message', () => {
    expect(() => set('{{ define "r" }}{{ template "r" . }}{{ end }}').execute('r', '')).toThrow(/exceeded maximum template depth \(1000\)/);
  });

  it('an exec error inside a define names the define and its file', () => {
    expect(() => set('\n{{ define "a" }}{{ .x.y }}{{ end }}').execute('a', 'str')).toThrow('template: f0:2:21: executing "a" at <.x.y>: can\'t evaluate field x in type string');
  });

  it('LogQL templates still refuse them', () => {
    for (const text of ['{{ define "x" }}{{ end }}', '{{ template "x" }}', '{{ block "x" . }}{{ end }}']) {
      expect(() => compileTemplate(text)).toThrow(TemplateParseError);
    }
  });
});
