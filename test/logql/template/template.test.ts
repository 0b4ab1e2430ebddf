// Proves that compileTemplate parses, refuses and executes templates as Go's text/template does with Loki's functions and options.
import { describe, expect, it } from 'vitest';
import { compileTemplate, TemplateExecError, TemplateParseError, type TemplateData } from '../../../src/logql/template/index.js';

const labels = new Map([
  ['app', 'api'],
  ['level', 'error'],
  ['msg', 'hello'],
  ['n', '5'],
  ['path', '/a/b/c'],
  ['dash-name', 'dashed'],
  ['json', '{"a":{"b":[1,2.5,"x",null,true]},"k":"v"}'],
  ['empty', ''],
]);
// 2023-11-14T22:13:20.123456789Z
const data: TemplateData = { labels, line: 'the line', tMs: 1700000000123, tNs: 456789 };

function run(src: string): string {
  return compileTemplate(src, 'line', { nowMs: () => 1700000000000 }).execute(data);
}

interface Row {
  name: string;
  src: string;
  expected: string;
}

function table(rows: Row[]): void {
  it.each(rows)('$name', ({ src, expected }) => {
    expect(run(src)).toBe(expected);
  });
}

describe('syntax', () => {
  table([
    { name: 'text only', src: 'plain text', expected: 'plain text' },
    { name: 'fields', src: '{{.app}} {{.level}}', expected: 'api error' },
    { name: 'missing label is empty (missingkey=zero)', src: 'V={{.missing}}', expected: 'V=' },
    { name: 'trim markers', src: 'a  {{- .app -}}  \n b', expected: 'aapib' },
    { name: 'left trim only', src: 'a \n {{- .app }} b', expected: 'aapi b' },
    { name: 'minus number is not a trim marker', src: '{{-3}}', expected: '-3' },
    { name: 'comment', src: 'a{{/* note */}}b', expected: 'ab' },
    { name: 'trimmed comment', src: 'a {{- /* note */ -}} b', expected: 'ab' },
    { name: 'interpreted string escapes', src: '{{ "a\\tb\\u00e9\\x41\\101" }}', expected: 'a\tbéAA' },
    { name: 'raw string', src: '{{ `a\\nb` }}', expected: 'a\\nb' },
    { name: 'char constant is an int', src: "{{ 'a' }}", expected: '97' },
    { name: 'hex, octal and binary ints', src: '{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 017 }} {{ 1_000 }}', expected: '31 15 5 15 1000' },
    { name: 'float constant', src: '{{ 1.5 }} {{ 1e3 }} {{ 1e6 }} {{ .5 }}', expected: '1.5 1000 1e+06 0.5' },
    { name: 'bools', src: '{{ true }} {{ false }}', expected: 'true false' },
    { name: 'dot is the label map', src: '{{ . }}', expected: 'map[app:api dash-name:dashed empty: json:{"a":{"b":[1,2.5,"x",null,true]},"k":"v"} level:error msg:hello n:5 path:/a/b/c]' },
    { name: 'index reads labels with dashes', src: '{{ index . "dash-name" }}', expected: 'dashed' },
    { name: 'pipeline passes the last argument', src: '{{ .msg | upper | printf "%s!" }}', expected: 'HELLO!' },
    { name: 'parenthesised call', src: '{{ printf "%s-%s" (upper .app) (lower "X") }}', expected: 'API-x' },
    { name: 'trailing pipe is accepted', src: '{{ .app | }}', expected: 'api' },
    { name: 'variables', src: '{{ $x := .app }}{{ $x }}{{ $x = "b" }}{{ $x }}', expected: 'apib' },
    { name: '$ is the root', src: '{{ with .app }}{{ . }}/{{ $.level }}{{ end }}', expected: 'api/error' },
    { name: 'if / else if / else', src: '{{ if eq .level "warn" }}W{{ else if eq .level "error" }}E{{ else }}O{{ end }}', expected: 'E' },
    { name: 'if on empty string is false', src: '{{ if .empty }}y{{ else }}n{{ end }}', expected: 'n' },
    { name: 'with else', src: '{{ with .missing }}y{{ else }}none{{ end }}', expected: 'none' },
    { name: 'variable scope ends with the block', src: '{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}', expected: '21' },
    { name: 'and / or return operands', src: '{{ and .app .level }} {{ or .empty .msg }} {{ and .empty .msg }}|', expected: 'error hello |' },
    { name: 'and short-circuits', src: '{{ and false (div 1 0) }}', expected: 'false' },
    { name: 'not', src: '{{ not .empty }} {{ not 1 }}', expected: 'true false' },
    { name: 'range over json list', src: '{{ range $i, $e := (fromJson .json).a.b }}{{ $i }}={{ $e }};{{ end }}', expected: '0=1;1=2.5;2=x;3=<no value>;4=true;' },
    { name: 'range over map sorts keys', src: '{{ range $k, $v := fromJson `{"b":1,"a":2}` }}{{ $k }}{{ $v }}{{ end }}', expected: 'a2b1' },
    { name: 'range over labels', src: '{{ range $k, $v := . }}{{ if hasPrefix "a" $k }}{{ $k }}={{ $v }}{{ end }}{{ end }}', expected: 'app=api' },
    { name: 'range else on empty', src: '{{ range fromJson "[]" }}x{{ else }}empty{{ end }}', expected: 'empty' },
    { name: 'range over int', src: '{{ range 3 }}{{ . }}{{ end }}', expected: '012' },
    { name: 'break and continue', src: '{{ range $i, $e := fromJson "[1,2,3,4]" }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $e }}{{ end }}', expected: '13' },
    { name: 'json field chain', src: '{{ (fromJson .json).k }}', expected: 'v' },
    { name: 'missing json key prints no value', src: '{{ (fromJson .json).zz }}', expected: '<no value>' },
    { name: 'invalid json is nil', src: '{{ fromJson "{" }}', expected: '<no value>' },
    { name: 'print of nil', src: '{{ print nil }} {{ println 1 "a" }}', expected: '<nil> 1 a\n' },
    { name: 'print spacing', src: '{{ print 1 2 "a" 3 "b" "c" }}', expected: '1 2a3bc' },
    { name: 'newline inside action', src: '{{ .app\n| upper }}', expected: 'API' },
  ]);
});

describe('parse errors (Go text)', () => {
  it.each([
    ['{{', 'template: line:1: unclosed action'],
    ['{{ .a ', 'template: line:1: unclosed action'],
    ['{{ nosuchfunc }}', 'template: line:1: function "nosuchfunc" not defined'],
    ['{{ end }}', 'template: line:1: unexpected {{end}}'],
    ['{{ else }}', 'template: line:1: unexpected {{else}}'],
    ['{{ if .a }}x', 'template: line:1: unexpected EOF'],
    ['{{ "a" | "b" }}', 'template: line:1: non executable command in pipeline stage 2'],
    ['{{ $x }}', 'template: line:1: undefined variable "$x"'],
    ['{{ "abc }}', 'template: line:1: unterminated quoted string'],
    ['{{ `abc }}', 'template: line:1: unterminated raw quoted string'],
    ['{{ ( .a }}', 'template: line:1: unclosed left paren'],
    ['{{ .a ) }}', 'template: line:1: unexpected right paren'],
    ['{{ /* x */ }}', 'template: line:1: unexpected "/" in command'],
    ['{{/* x }}', 'template: line:1: unclosed comment'],
    ['{{/* x */ .a }}', 'template: line:1: comment ends before closing delimiter'],
    ['{{ 3x }}', 'template: line:1: bad number syntax: "3x"'],
    ['{{ .a+ }}', "template: line:1: bad character U+002B '+'"],
    ['{{ | }}', 'template: line:1: unexpected "|" in command'],
    ['{{ }}', 'template: line:1: missing value for command'],
    ['{{ break }}', 'template: line:1: {{break}} outside {{range}}'],
    ['{{ "a".b }}', 'template: line:1: unexpected . after term "\\"a\\""'],
    ['{{ "\\q" }}', 'template: line:1: invalid syntax'],
    ['{{ 99999999999999999999 }}', 'template: line:1: integer overflow: "99999999999999999999"'],
    ['{{ if 1 }}{{ else }}{{ else }}{{ end }}', 'template: line:1: expected end; found {{else}}'],
    ['{{ range $a, $b, $c := . }}{{ end }}', 'template: line:1: too many declarations in range'],
    ['a\n{{ .a }}\n{{ foo }}', 'template: line:3: function "foo" not defined'],
    ['{{ define "x" }}{{ end }}', 'template: line:1: {{define}} is not supported in LogQL templates'],
  ])('%j', (src, message) => {
    expect(() => compileTemplate(src)).toThrow(TemplateParseError);
    expect(() => compileTemplate(src)).toThrow(message);
  });

  it('names the template as Loki does for label_format', () => {
    expect(() => compileTemplate('{{', 'label')).toThrow('template: label:1: unclosed action');
  });
});

describe('execution errors (Go text)', () => {
  it.each([
    ['{{ .app.b }}', `template: line:1:7: executing "line" at <.app.b>: can't evaluate field b in type string`],
    // Go reports the node evaluated last (.json), not the chain.
    ['{{ (fromJson .json).k.z }}', `template: line:1:13: executing "line" at <.json>: can't evaluate field z in type interface {}`],
    ['{{ trunc (add 1 2) .msg }}', `template: line:1:16: executing "line" at <2>: wrong type for value; expected int; got int64`],
    ['{{ trunc .n .msg }}', `template: line:1:9: executing "line" at <.n>: wrong type for value; expected int; got string`],
    ['{{ upper 5 }}', `template: line:1:9: executing "line" at <5>: expected string; found 5`],
    ['{{ repeat 1.5 "a" }}', `template: line:1:10: executing "line" at <1.5>: expected integer; found 1.5`],
    ['{{ upper }}', `template: line:1:3: executing "line" at <upper>: wrong number of args for upper: want 1 got 0`],
    ['{{ sub 1 }}', `template: line:1:3: executing "line" at <sub>: wrong number of args for sub: want 2 got 1`],
    ['{{ printf }}', `template: line:1:3: executing "line" at <printf>: wrong number of args for printf: want at least 1 got 0`],
    ['{{ div 1 0 }}', `template: line:1:3: executing "line" at <div 1 0>: error calling div: runtime error: integer divide by zero`],
    ['{{ divf 1 0 }}', `template: line:1:3: executing "line" at <divf 1 0>: error calling divf: decimal division by zero`],
    ['{{ regexReplaceAll "(" .msg "x" }}', 'template: line:1:3: executing "line" at <regexReplaceAll "(" .msg "x">: error calling regexReplaceAll: error parsing regexp: missing closing ): `(`'],
    ['{{ eq .app 1 }}', `template: line:1:3: executing "line" at <eq .app 1>: error calling eq: incompatible types for comparison: string and int`],
    ['{{ lt true false }}', `template: line:1:3: executing "line" at <lt true false>: error calling lt: invalid type for comparison`],
    ['{{ index .app 10 }}', `template: line:1:3: executing "line" at <index .app 10>: error calling index: index out of range: 10`],
    ['{{ len 3 }}', `template: line:1:3: executing "line" at <len 3>: error calling len: len of type int`],
    ['{{ 1 2 }}', `template: line:1:3: executing "line" at <1>: can't give argument to non-function 1`],
    ['{{ nil }}', `template: line:1:3: executing "line" at <nil>: nil is not a command`],
    ['{{ upper nil }}', `template: line:1:9: executing "line" at <nil>: cannot assign nil to string`],
    ['{{ range .app }}{{ end }}', `template: line:1:9: executing "line" at <.app>: range can't iterate over api`],
    ['{{ unixToTime "123" }}', `template: line:1:3: executing "line" at <unixToTime "123">: error calling unixToTime: unable to parse time '123': %!w(<nil>)`],
    ['{{ unixToTime "abc" }}', `template: line:1:3: executing "line" at <unixToTime "abc">: error calling unixToTime: unable to parse time 'abc': strconv.ParseInt: parsing "abc": invalid syntax`],
    ['{{ duration "5x" }}', `template: line:1:3: executing "line" at <duration "5x">: error calling duration: time: unknown unit "x" in duration "5x"`],
    ['{{ duration "5" }}', `template: line:1:3: executing "line" at <duration "5">: error calling duration: time: missing unit in duration "5"`],
    ['{{ bytes "5 XB" }}', `template: line:1:3: executing "line" at <bytes "5 XB">: error calling bytes: unhandled size name: xb`],
    ['{{ urldecode "%zz" }}', `template: line:1:3: executing "line" at <urldecode "%zz">: error calling urldecode: invalid URL escape "%zz"`],
    ['{{ unixEpoch .app }}', `template: line:1:13: executing "line" at <.app>: wrong type for value; expected time.Time; got string`],
    ['{{ substr 5 2 "abc" }}', `template: line:1:3: executing "line" at <substr 5 2 "abc">: error calling substr: runtime error: slice bounds out of range [5:2]`],
    ['{{ repeat -1 "a" }}', `template: line:1:3: executing "line" at <repeat -1 "a">: error calling repeat: strings: negative Repeat count`],
    ['x\n {{ .app.b }}', `template: line:2:8: executing "line" at <.app.b>: can't evaluate field b in type string`],
  ])('%j', (src, message) => {
    expect(() => run(src)).toThrow(TemplateExecError);
    expect(() => run(src)).toThrow(message);
  });
});

describe('Loki functions', () => {
  table([
    { name: 'ToLower/ToUpper', src: '{{ ToLower "AbC" }}{{ ToUpper "aBc" }}', expected: 'abcABC' },
    { name: 'Replace with count', src: '{{ Replace "aaaa" "a" "b" 2 }}', expected: 'bbaa' },
    { name: 'Trim family', src: '{{ Trim "xxaxx" "x" }}|{{ TrimLeft "xxa" "x" }}|{{ TrimRight "axx" "x" }}|{{ TrimPrefix "pre-a" "pre-" }}|{{ TrimSuffix "a.log" ".log" }}|{{ TrimSpace "  a \\n" }}', expected: 'a|a|a|a|a|a' },
    { name: 'regexReplaceAll expands groups', src: '{{ regexReplaceAll "(?P<w>l+)" .msg "<${w}>$1$$" }}', expected: 'he<ll>ll$o' },
    { name: 'regexReplaceAll skips an empty match after a match', src: '{{ regexReplaceAll "a*" "baaac" "-" }}', expected: '-b-c-' },
    { name: 'regexReplaceAllLiteral', src: '{{ regexReplaceAllLiteral "l+" .msg "$1" }}', expected: 'he$1o' },
    { name: 'count', src: '{{ count "l" .msg }} {{ count "a*" "baaac" }}', expected: '2 3' },
    { name: 'urlencode/urldecode', src: '{{ urlencode "a b&c/é" }} {{ urldecode "a+b%26c" }}', expected: 'a+b%26c%2F%C3%A9 a b&c' },
    { name: 'bytes', src: '{{ bytes "1.5KiB" }} {{ bytes "10 MB" }} {{ bytes "1,000" }}', expected: '1536 1e+07 1000' },
    { name: 'duration', src: '{{ duration "1h30m" }} {{ duration_seconds "1.5s" }} {{ duration "-250ms" }}', expected: '5400 1.5 -0.25' },
    { name: '__line__', src: '{{ __line__ | upper }}', expected: 'THE LINE' },
    { name: '__timestamp__ prints as Go time.Time in UTC', src: '{{ __timestamp__ }}', expected: '2023-11-14 22:13:20.123456789 +0000 UTC' },
    { name: 'unixEpoch family', src: '{{ unixEpoch __timestamp__ }} {{ unixEpochMillis __timestamp__ }} {{ unixEpochNanos __timestamp__ }}', expected: '1700000000 1700000000123 1700000000123456789' },
    { name: 'unixToTime by digit count', src: '{{ unixToTime "19373" }}|{{ unixToTime "1673798889" }}|{{ unixToTime "1673798889902" }}|{{ unixToTime "1673798889902001" }}|{{ unixToTime "1673798889902001002" }}', expected: '2023-01-16 00:00:00 +0000 UTC|2023-01-15 16:08:09 +0000 UTC|2023-01-15 16:08:09.902 +0000 UTC|2023-01-15 16:08:09.902001 +0000 UTC|2023-01-15 16:08:09.902001002 +0000 UTC' },
    { name: 'toDateInZone', src: '{{ toDateInZone "2006-01-02 15:04" "America/New_York" "2021-11-02 10:30" }}', expected: '2021-11-02 10:30:00 -0400 EDT' },
    { name: 'toDateInZone unknown zone falls back to UTC', src: '{{ toDateInZone "2006-01-02" "Nowhere/City" "2021-11-02" }}', expected: '2021-11-02 00:00:00 +0000 UTC' },
    { name: 'toDateInZone parse failure is the zero time', src: '{{ toDateInZone "2006-01-02" "UTC" "garbage" }}', expected: '0001-01-01 00:00:00 +0000 UTC' },
    { name: 'alignLeft', src: '[{{ alignLeft 5 "hello world" }}][{{ alignLeft 5 "hi" }}][{{ alignLeft -1 "hi" }}]', expected: '[hello][hi   ][hi]' },
    { name: 'alignRight', src: '[{{ alignRight 5 "hello world" }}][{{ alignRight 5 "hi" }}]', expected: '[world][   hi]' },
  ]);
});

describe('sprig functions', () => {
  table([
    { name: 'b64enc/b64dec', src: '{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }}', expected: 'aGVsbG8= hello' },
    { name: 'b64dec error text is the result', src: '{{ b64dec "aGVsbG8" }}|{{ b64dec "a!==" }}', expected: 'illegal base64 data at input byte 4|illegal base64 data at input byte 1' },
    { name: 'lower/upper/title', src: '{{ lower "HeLLo" }} {{ upper "héllo" }} {{ title "hello wide-world" }}', expected: 'hello HÉLLO Hello Wide-World' },
    { name: 'trunc', src: '{{ trunc 5 "hello world" }}|{{ trunc -5 "hello world" }}|{{ trunc 50 "hi" }}', expected: 'hello|world|hi' },
    { name: 'substr', src: '{{ substr 0 5 "hello world" }}|{{ substr 6 11 "hello world" }}|{{ substr 6 -1 "hello world" }}|{{ substr -1 5 "hello world" }}', expected: 'hello|world|world|hello' },
    { name: 'contains/hasPrefix/hasSuffix', src: '{{ contains "ell" .msg }} {{ hasPrefix "he" .msg }} {{ hasSuffix "x" .msg }}', expected: 'true true false' },
    { name: 'indent/nindent', src: '{{ indent 2 "a\\nb" }}|{{ nindent 2 "a" }}', expected: '  a\n  b|\n  a' },
    { name: 'replace', src: '{{ .path | replace "/" "_" }} {{ replace "" "-" "ab" }}', expected: '_a_b_c -a-b-' },
    { name: 'repeat', src: '{{ repeat 3 "ab" }}', expected: 'ababab' },
    { name: 'trim/trimAll/trimPrefix/trimSuffix', src: '[{{ trim "  a  " }}][{{ trimAll "$" "$5.00$" }}][{{ trimPrefix "-" "-a" }}][{{ trimSuffix "-" "a-" }}]', expected: '[a][5.00][a][a]' },
    { name: 'int/float64 conversions', src: '{{ int "42" }} {{ int "0x10" }} {{ int "1.00" }} {{ int "1.5" }} {{ int 3.9 }} {{ float64 "3.5" }} {{ float64 "x" }}', expected: '42 16 1 0 3 3.5 0' },
    { name: 'integer arithmetic on strings', src: '{{ add "1" "2" }} {{ add 1 2 3 }} {{ sub 10 .n }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod -7 3 }} {{ add "x" 1 }}', expected: '3 6 5 24 3 -1 1' },
    { name: 'float arithmetic is decimal', src: '{{ addf 0.1 0.2 }} {{ subf 1 0.9 }} {{ mulf 1.1 3 }} {{ divf 1 3 }} {{ divf 10 2 4 }} {{ addf 3.5 2 5 }}', expected: '0.3 0.1 3.3 0.3333333333333333 1.25 10.5' },
    { name: 'max/min', src: '{{ max 1 "7" 3 }} {{ min 4 2 9 }} {{ maxf 1.5 2.25 }} {{ minf 1.5 -2 }}', expected: '7 2 2.25 -2' },
    { name: 'ceil/floor/round', src: '{{ ceil 123.001 }} {{ floor 1.9 }} {{ round 3.14159 2 }} {{ round 2.5 0 }} {{ round 1.234 1 0.3 }}', expected: '124 1 3.14 3 1.3' },
    { name: 'default', src: '{{ default "-" "" }} {{ default "-" "foo" }} {{ .missing | default "none" }} {{ default 5 0 }}', expected: '- foo none 5' },
    { name: 'fromJson', src: '{{ fromJson "{\\"foo\\": 55}" }} {{ (fromJson .json).a.b }}', expected: 'map[foo:55] [1 2.5 x <nil> true]' },
    { name: 'date of a time', src: '{{ date "2006-01-02T15:04:05.000Z07:00" __timestamp__ }}', expected: '2023-11-14T22:13:20.123Z' },
    { name: 'date of unix seconds', src: '{{ date "2006-01-02" (add 86400 0) }}', expected: '1970-01-02' },
    { name: 'date of anything else is now', src: '{{ date "2006-01-02 15:04" .app }} {{ now | unixEpoch }}', expected: '2023-11-14 22:13 1700000000' },
    { name: 'toDate', src: '{{ toDate "2006-01-02" "2021-11-02" }} {{ toDate "2006-01-02T15:04:05Z07:00" "2021-01-01T10:00:00+02:00" }}', expected: '2021-11-02 00:00:00 +0000 UTC 2021-01-01 10:00:00 +0200 +0200' },
    { name: 'toDate then unixEpoch', src: '{{ unixEpoch (toDate "2006-01-02" "2021-11-02") }}', expected: '1635811200' },
  ]);
});

describe('Go builtins', () => {
  table([
    { name: 'len counts UTF-8 bytes', src: '{{ len "héllo" }} {{ len . }} {{ len (fromJson "[1,2]") }}', expected: '6 8 2' },
    { name: 'index on strings gives bytes', src: '{{ index "abc" 1 }}', expected: '98' },
    { name: 'index on json', src: '{{ index (fromJson .json) "a" "b" 2 }}', expected: 'x' },
    { name: 'slice', src: '{{ slice "hello" 1 3 }} {{ slice (fromJson "[1,2,3]") 1 }}', expected: 'el [2 3]' },
    { name: 'comparisons', src: '{{ eq 1 1 }} {{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }}', expected: 'true true true true true true false' },
    { name: 'eq with len', src: '{{ if gt (len .msg) 3 }}long{{ end }}', expected: 'long' },
    { name: 'html', src: '{{ html "<a href=\\"x\\">&</a>" }}', expected: '&lt;a href=&#34;x&#34;&gt;&amp;&lt;/a&gt;' },
    { name: 'js', src: `{{ js "a'b\\"c<d>=é\\n" }}`, expected: "a\\'b\\\"c\\u003Cd\\u003E\\u003Dé\\u000A" },
    { name: 'urlquery', src: '{{ urlquery "a b" "c" }} {{ urlquery nil }}', expected: 'a+bc %3Cno+value%3E' },
    { name: 'time methods', src: '{{ __timestamp__.Year }} {{ __timestamp__.Month }} {{ __timestamp__.Weekday }} {{ __timestamp__.Format "15:04" }}', expected: '2023 November Tuesday 22:13' },
  ]);
});

describe('printf verbs', () => {
  table([
    { name: '%s %d %v', src: '{{ printf "%s %d %v %v" "a" 42 true 1.5 }}', expected: 'a 42 true 1.5' },
    { name: 'width and flags on strings', src: '{{ printf "[%5s][%-5s][%.2s][%05s]" "ab" "ab" "abcd" "ab" }}', expected: '[   ab][ab   ][ab][000ab]' },
    { name: 'Loki docs example', src: '{{ printf "%-10.10s|%-5.5s" .path "GET" }}', expected: '/a/b/c    |GET  ' },
    { name: 'floats', src: '{{ printf "%f %.2f %8.3f %e %g %.3g %E" 3.14159 3.14159 3.14159 1234.5678 0.00001234 3.14159 1e21 }}', expected: '3.141590 3.14    3.142 1.234568e+03 1.234e-05 3.14 1.000000E+21' },
    { name: 'half-even rounding on exact ties', src: '{{ printf "%.0f %.0f %.2f %.1f" 0.5 2.5 0.125 0.25 }}', expected: '0 2 0.12 0.2' },
    { name: 'sign and zero padding', src: '{{ printf "%+d %+.1f %05.1f % d %-4d|" 5 2.0 -1.5 7 3 }}', expected: '+5 +2.0 -01.5  7 3   |' },
    { name: 'integer bases', src: '{{ printf "%x %X %o %b %#x %#o %c %U %q" 255 255 8 5 255 8 65 65 65 }}', expected: "ff FF 10 101 0xff 010 A U+0041 'A'" },
    { name: 'string hex and quoting', src: '{{ printf "%x % x %q %#q %+q" "hi" "hi" "a\\"b" "ab" "é" }}', expected: '6869 68 69 "a\\"b" `ab` "\\u00e9"' },
    { name: '%T', src: '{{ printf "%T %T %T %T %T" "a" 1 1.5 true nil }}', expected: 'string int float64 bool <nil>' },
    { name: '%T of function results', src: '{{ printf "%T %T %T" (add 1 1) (len "a") __timestamp__ }}', expected: 'int64 int time.Time' },
    { name: 'bad verb', src: '{{ printf "%d %s" "x" 5 }}', expected: '%!d(string=x) %!s(int=5)' },
    { name: 'missing and extra operands', src: '{{ printf "%s %s" "a" }}|{{ printf "%s" "a" 1 "b" }}', expected: 'a %!s(MISSING)|a%!(EXTRA int=1, string=b)' },
    { name: 'no verb and percent', src: '{{ printf "100%% %" }}', expected: '100% %!(NOVERB)' },
    { name: 'star width', src: '{{ printf "[%*d]" 4 7 }}', expected: '[   7]' },
    { name: 'argument index', src: '{{ printf "%[2]s %[1]s" "a" "b" }}', expected: 'b a' },
    { name: 'composites', src: '{{ printf "%v %d" (fromJson `{"b":[1,"x"],"a":true}`) (fromJson "[1,2]") }}', expected: 'map[a:true b:[1 x]] [%!d(float64=1) %!d(float64=2)]' },
    { name: 'inf and nan', src: '{{ printf "%f %v %5.1f" (divf 1 1e-320) (float64 "NaN") (float64 "-Inf") }}', expected: '+Inf NaN  -Inf' },
    { name: 'large and small %v', src: '{{ 123456.0 }} {{ 1234567.0 }} {{ 0.0001 }} {{ 0.00001 }} {{ mulf 1e20 100 }}', expected: '123456 1.234567e+06 0.0001 1e-05 1e+22' },
  ]);
});

describe('fields', () => {
  it('lists the labels a template reads', () => {
    expect(compileTemplate('{{ .a }} {{ if .b }}{{ .c | upper }}{{ end }}{{ .a }}').fields).toEqual(['a', 'b', 'c']);
  });
});

describe('fast path', () => {
  it('gives the same output as the tree walk for text and single-field actions', () => {
    const t = compileTemplate('x={{.app}}, y={{.missing}}!');
    expect(t.execute(data)).toBe('x=api, y=!');
  });
});
