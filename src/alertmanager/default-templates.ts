/**
 * The templates every tenant gets before its own `template_files` (Alertmanager's
 * `template/default.tmpl`): the text ones produce exactly Alertmanager's output, so that
 * subjects, Slack titles and tenant templates calling `__subject` or `__text_alert_list`
 * read the same as under Alertmanager 0.25+. `email.default.html` is our own page with the
 * same content (alert count and group labels, a link back, firing then resolved alerts
 * with their labels, annotations and source links), not Alertmanager's byte for byte.
 *
 * A TypeScript string rather than a `.tmpl` asset so that `npm run build` ships it with
 * no copy step. The name in parse errors is `default.tmpl`, as Alertmanager's.
 */

/** The file name the defaults parse under (error messages name it). */
export const DEFAULT_TEMPLATES_NAME = 'default.tmpl';

// Each define ends on `{{ end }}` followed by a newline outside any define: top-level text
// belongs to the file's own template, which nothing executes.
const TEXT_TEMPLATES = `{{ define "__alertmanager" }}AlertManager{{ end }}
{{ define "__alertmanagerURL" }}{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}{{ end }}

{{ define "__subject" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.SortedPairs.Values | join " " }} {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}{{ end }}
{{ define "__description" }}{{ end }}

{{ define "__text_alert_list" }}{{ range . }}Labels:
{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Annotations:
{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}
{{ end }}Source: {{ .GeneratorURL }}
{{ end }}{{ end }}

{{ define "slack.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "slack.default.username" }}{{ template "__alertmanager" . }}{{ end }}
{{ define "slack.default.fallback" }}{{ template "slack.default.title" . }} | {{ template "slack.default.titlelink" . }}{{ end }}
{{ define "slack.default.callbackid" }}{{ end }}
{{ define "slack.default.pretext" }}{{ end }}
{{ define "slack.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "slack.default.iconemoji" }}{{ end }}
{{ define "slack.default.iconurl" }}{{ end }}
{{ define "slack.default.text" }}{{ end }}
{{ define "slack.default.footer" }}{{ end }}

{{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
`;

// Our own HTML: one table per section, inline styles only (mail clients drop <style>).
const EMAIL_HTML = `{{ define "__email_alert_rows" }}{{ range . }}
<tr><td style="padding:0 0 16px">
<strong>Labels</strong><br />
{{ range .Labels.SortedPairs }}{{ .Name }} = {{ .Value }}<br />
{{ end }}{{ if gt (len .Annotations) 0 }}<strong>Annotations</strong><br />
{{ end }}{{ range .Annotations.SortedPairs }}{{ .Name }} = {{ .Value }}<br />
{{ end }}<a href="{{ .GeneratorURL }}" style="color:#348eda">Source</a>
</td></tr>{{ end }}{{ end }}
{{ define "email.default.html" }}<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="viewport" content="width=device-width" />
<title>{{ template "__subject" . }}</title>
</head>
<body style="margin:0;padding:0;background-color:#f6f6f6;font-family:Helvetica,Arial,sans-serif;font-size:14px">
<table width="100%" cellpadding="0" cellspacing="0" style="background-color:#f6f6f6"><tr><td align="center" style="padding:20px">
<table width="600" cellpadding="0" cellspacing="0" style="background-color:#fff;border:1px solid #e9e9e9;border-radius:3px">
<tr><td style="padding:20px;background-color:#e6522c;color:#fff;font-size:16px;text-align:center">
{{ .Alerts | len }} alert{{ if gt (len .Alerts) 1 }}s{{ end }} for {{ range .GroupLabels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}
</td></tr>
<tr><td style="padding:10px">
<table width="100%" cellpadding="0" cellspacing="0">
<tr><td style="padding:0 0 16px"><a href="{{ template "__alertmanagerURL" . }}" style="display:inline-block;padding:10px 20px;background-color:#348eda;color:#fff;font-weight:bold;text-decoration:none;border-radius:5px">View in {{ template "__alertmanager" . }}</a></td></tr>
{{ if gt (len .Alerts.Firing) 0 }}<tr><td style="padding:0 0 16px"><strong>[{{ .Alerts.Firing | len }}] Firing</strong></td></tr>{{ end }}
{{ template "__email_alert_rows" .Alerts.Firing }}
{{ if gt (len .Alerts.Resolved) 0 }}{{ if gt (len .Alerts.Firing) 0 }}<tr><td style="padding:0 0 16px"><hr /></td></tr>{{ end }}<tr><td style="padding:0 0 16px"><strong>[{{ .Alerts.Resolved | len }}] Resolved</strong></td></tr>{{ end }}
{{ template "__email_alert_rows" .Alerts.Resolved }}
</table>
</td></tr>
</table>
<p style="color:#999;font-size:12px;text-align:center"><a href="{{ .ExternalURL }}" style="color:#999">Sent by {{ template "__alertmanager" . }}</a></p>
</td></tr></table>
</body>
</html>
{{ end }}
`;

/** The default templates' text, parsed before the tenant's files. */
export const DEFAULT_TEMPLATES = TEXT_TEMPLATES + EMAIL_HTML;
