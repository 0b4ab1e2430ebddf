// Proves compiled log pipelines give Loki's lines, labels, label categories and errors, stage by stage (cases after the upstream logqltest files).
import { describe, expect, it } from 'vitest';
import { parseLogQL } from '../../../src/logql/parser.js';
import type { Stage } from '../../../src/logql/ast.js';
import { compileLogPipeline } from '../../../src/logql/pipeline/index.js';
import type { Label, Labels } from '../../../src/model/labels.js';
import { isCairnError } from '../../../src/util/errors.js';

function stagesOf(query: string): readonly Stage[] {
  const e = parseLogQL(query);
  if (e.kind !== 'log_selector') throw new Error(`not a log query: ${query}`);
  return e.stages;
}

/** Stream labels from `{a="b", …}` text, sorted. */
function streamOf(selector: string): Labels {
  const e = parseLogQL(selector);
  if (e.kind !== 'log_selector') throw new Error('not a selector');
  return e.matchers.map((m) => ({ name: m.name, value: m.value })).sort((x, y) => (x.name < y.name ? -1 : 1));
}

function obj(ls: Labels): Record<string, string> {
  return Object.fromEntries(ls.map((l) => [l.name, l.value]));
}

function md(o: Record<string, string>): Label[] {
  return Object.entries(o).map(([name, value]) => ({ name, value }));
}

interface Case {
  name: string;
  stream: string;
  query: string;
  line: string;
  metadata?: Record<string, string>;
  /** undefined: the entry is dropped. */
  expected?: { line?: string; labels: Record<string, string> };
}

const cases: Case[] = [
  // Line filters.
  { name: 'contains keeps', stream: '{app="a"}', query: '|= "foo"', line: 'a foo b', expected: { labels: { app: 'a' } } },
  { name: 'contains drops', stream: '{app="a"}', query: '|= "foo"', line: 'a bar b' },
  { name: 'empty contains keeps all', stream: '{app="a"}', query: '|= ""', line: 'x', expected: { labels: { app: 'a' } } },
  { name: 'not contains', stream: '{app="a"}', query: '!= "foo"', line: 'foo' },
  { name: 'regex unanchored', stream: '{app="a"}', query: '|~ "o+b"', line: 'foob', expected: { labels: { app: 'a' } } },
  { name: 'regex case-insensitive', stream: '{app="a"}', query: '|~ "(?i)FOO"', line: 'foo', expected: { labels: { app: 'a' } } },
  { name: 'not regex', stream: '{app="a"}', query: '!~ "fo+"', line: 'foo' },
  { name: 'or chain', stream: '{app="a"}', query: '|= "x" or "foo"', line: 'foo', expected: { labels: { app: 'a' } } },
  { name: 'negated chain', stream: '{app="a"}', query: '!= "x" or "foo"', line: 'foo' },
  { name: 'ip line filter', stream: '{app="a"}', query: '|= ip("10.0.0.0/8")', line: 'from 10.1.2.3:80', expected: { labels: { app: 'a' } } },
  { name: 'ip line filter negated', stream: '{app="a"}', query: '!= ip("10.0.0.0/8")', line: 'from 10.1.2.3:80' },
  {
    name: 'structured metadata joins the labels',
    stream: '{app="a"}',
    query: '|= "x"',
    line: 'x',
    metadata: { lvl: 'error' },
    expected: { labels: { app: 'a', lvl: 'error' } },
  },
  {
    name: 'empty metadata value is a label',
    stream: '{app="m"}',
    query: '| name=""',
    line: 'x',
    metadata: { name: '' },
    expected: { labels: { app: 'm', name: '' } },
  },

  // Parsers and the _extracted rules.
  {
    name: 'logfmt',
    stream: '{app="a"}',
    query: '| logfmt',
    line: 'level=info status=200',
    expected: { labels: { app: 'a', level: 'info', status: '200' } },
  },
  {
    name: 'logfmt edge cases',
    stream: '{app="a"}',
    query: '| logfmt',
    line: 'a-b=1 9x=2 dup=first dup=second msg="hi there" empty=',
    expected: { labels: { app: 'a', a_b: '1', _9x: '2', dup: 'first', msg: 'hi there' } },
  },
  {
    name: 'logfmt --keep-empty',
    stream: '{app="a"}',
    query: '| logfmt --keep-empty',
    line: 'a=1 empty=',
    expected: { labels: { app: 'a', a: '1', empty: '' } },
  },
  {
    name: '_extracted precedence stream > metadata > parsed',
    stream: '{app="a", sl="s", sm="s", tri="s"}',
    query: '| logfmt',
    line: 'sl=p md=p tri=p',
    metadata: { md: 'm', sm: 'm', tri: 'm' },
    expected: {
      labels: { app: 'a', sl: 's', sl_extracted: 'p', md: 'm', md_extracted: 'p', sm: 's', sm_extracted: 'm', tri: 's', tri_extracted: 'p' },
    },
  },
  {
    name: 'a later parser does not overwrite',
    stream: '{app="a"}',
    query: '| logfmt | regexp "(?P<level>\\\\w+)$"',
    line: 'level=info x=warn',
    expected: { labels: { app: 'a', level: 'info', x: 'warn' } },
  },
  {
    name: 'logfmt --strict failure',
    stream: '{app="a"}',
    query: '| logfmt --strict',
    line: 'good=1 bad="unterminated',
    expected: { labels: { app: 'a', good: '1', __error__: 'LogfmtParserErr', __error_details__: expect.any(String) as unknown as string } },
  },
  { name: 'error filter drops', stream: '{app="a"}', query: '| logfmt --strict | __error__=""', line: 'good=1 bad="unterminated' },
  {
    name: 'json flattens',
    stream: '{app="a", level="stream"}',
    query: '| json',
    line: '{"level":"parsed","obj":{"x":1,"y":{"z":2}},"ok":true,"nil":null,"arr":[1,2],"dup":"first","dup":"second"}',
    expected: { labels: { app: 'a', level: 'stream', level_extracted: 'parsed', obj_x: '1', obj_y_z: '2', ok: 'true', dup: 'first' } },
  },
  {
    name: 'json failure',
    stream: '{app="a"}',
    query: '| json',
    line: 'broken',
    expected: { labels: { app: 'a', __error__: 'JSONParserErr', __error_details__: expect.any(String) as unknown as string } },
  },
  {
    name: 'json expressions, absent path is empty',
    stream: '{app="a"}',
    query: '| json who="user.id", tag="tags[0]", age="user.age"',
    line: '{"user":{"id":"u1"},"tags":["x","y"]}',
    expected: { labels: { app: 'a', who: 'u1', tag: 'x', age: '' } },
  },
  {
    name: 'regexp clashes',
    stream: '{app="a", method="stream"}',
    query: '| regexp `(?P<method>\\w+) (?P<path>\\S+)`',
    line: 'PUT /x',
    expected: { labels: { app: 'a', method: 'stream', method_extracted: 'PUT', path: '/x' } },
  },
  {
    name: 'pattern fills leading captures',
    stream: '{app="a", method="stream"}',
    query: '| pattern `<method> <path>`',
    line: 'POST',
    expected: { labels: { app: 'a', method: 'stream', method_extracted: 'POST' } },
  },
  {
    name: 'unpack replaces the line',
    stream: '{app="a", lvl="stream"}',
    query: '| unpack | logfmt',
    line: '{"lvl":"packed","_entry":"code=42"}',
    expected: { line: 'code=42', labels: { app: 'a', lvl: 'stream', lvl_extracted: 'packed', code: '42' } },
  },

  // Label filters over parsed, stream and metadata labels.
  { name: 'numeric filter on parsed', stream: '{app="p"}', query: '| logfmt | status >= 500', line: 'status=200' },
  {
    name: 'numeric filter failure keeps the line',
    stream: '{app="b"}',
    query: '| logfmt | status > 400',
    line: 'status=oops',
    expected: {
      labels: { app: 'b', status: 'oops', __error__: 'LabelFilterErr', __error_details__: 'strconv.ParseFloat: parsing "oops": invalid syntax' },
    },
  },
  { name: 'filter before the parser sees no error', stream: '{app="a"}', query: '| __error__="" | logfmt | took > 1s | __error__=""', line: 'took=oops' },

  // Formatters.
  {
    name: 'line_format then a filter on the new line',
    stream: '{app="a", level="error"}',
    query: '| line_format "L={{.level}}" |= "L=error"',
    line: 'x',
    expected: { line: 'L=error', labels: { app: 'a', level: 'error' } },
  },
  { name: 'filters see the formatted line', stream: '{app="a", level="warn"}', query: '| line_format "L={{.level}}" |= "L=error"', line: 'L=error' },
  {
    name: 'line_format sees __line__',
    stream: '{app="a"}',
    query: '| line_format "{{__line__}}!"',
    line: 'x',
    expected: { line: 'x!', labels: { app: 'a' } },
  },
  {
    name: 'label_format rename',
    stream: '{app="a", method="get"}',
    query: '| label_format verb=method',
    line: 'msg',
    expected: { labels: { app: 'a', verb: 'get' } },
  },
  {
    name: 'label_format template keeps the source',
    stream: '{app="a", method="get"}',
    query: '| label_format route="{{.method}}-ok"',
    line: 'msg',
    expected: { labels: { app: 'a', method: 'get', route: 'get-ok' } },
  },
  {
    name: 'label_format overwrites in place',
    stream: '{app="a", method="get"}',
    query: '| label_format method="{{.method}}!"',
    line: 'msg',
    expected: { labels: { app: 'a', method: 'get!' } },
  },
  {
    name: 'decolorize',
    stream: '{app="a"}',
    query: '| decolorize',
    line: '\x1b[31mhello\x1b[0m',
    expected: { line: 'hello', labels: { app: 'a' } },
  },

  // drop / keep.
  { name: 'drop names', stream: '{app="a", code="500", zone="eu"}', query: '| drop code, zone', line: 'm', expected: { labels: { app: 'a' } } },
  { name: 'drop matching value', stream: '{app="a", code="500", zone="eu"}', query: '| drop code="500"', line: 'm', expected: { labels: { app: 'a', zone: 'eu' } } },
  { name: 'drop non-matching value', stream: '{app="a", code="200", zone="eu"}', query: '| drop code="500"', line: 'm', expected: { labels: { app: 'a', code: '200', zone: 'eu' } } },
  { name: 'drop __error__', stream: '{app="a"}', query: '| json | drop __error__, __error_details__', line: 'x', expected: { labels: { app: 'a' } } },
  { name: 'keep', stream: '{app="a", code="500", zone="eu"}', query: '| keep zone', line: 'm', expected: { labels: { zone: 'eu' } } },
  { name: 'keep with matcher', stream: '{app="a", code="200", zone="eu"}', query: '| keep code="500"', line: 'm', expected: { labels: {} } },
  {
    name: 'keep never removes the error',
    stream: '{app="a"}',
    query: '| json | keep app',
    line: 'x',
    expected: { labels: { app: 'a', __error__: 'JSONParserErr', __error_details__: expect.any(String) as unknown as string } },
  },
];

describe('compileLogPipeline', () => {
  it.each(cases)('$name', (c) => {
    const p = compileLogPipeline(stagesOf(`${c.stream} ${c.query}`)).forStream(streamOf(c.stream));
    const out = p.process(1000, 0, c.line, md(c.metadata ?? {}));
    if (c.expected === undefined) {
      expect(out).toBeUndefined();
      return;
    }
    expect(out).toBeDefined();
    expect(out!.line).toBe(c.expected.line ?? c.line);
    expect(obj(out!.labels)).toEqual(c.expected.labels);
    expect(out!.labels.map((l) => l.name)).toEqual([...out!.labels.map((l) => l.name)].sort());
  });

  it('returns the stream labels themselves for line filters', () => {
    const stream = streamOf('{app="a", env="prod"}');
    const p = compileLogPipeline(stagesOf('{app="a"} |= "x" |~ "y"')).forStream(stream);
    const out = p.process(0, 0, 'xy', []);
    expect(out!.labels).toBe(stream);
    expect(out!.stream).toBe(stream);
    expect(out!.parsed).toEqual([]);
  });

  it('shares one label array between entries with the same labels', () => {
    const p = compileLogPipeline(stagesOf('{app="a"} | logfmt')).forStream(streamOf('{app="a"}'));
    const a = p.process(0, 0, 'x=1', [])!.labels;
    const b = p.process(0, 0, 'x=1 ', [])!.labels;
    expect(b).toBe(a);
  });

  it('categorizes labels', () => {
    const p = compileLogPipeline(stagesOf('{app="a"} | logfmt')).forStream(streamOf('{app="a"}'));
    const out = p.process(0, 0, 'x=1', md({ trace: 't1' }))!;
    expect(obj(out.stream)).toEqual({ app: 'a' });
    expect(obj(out.structuredMetadata)).toEqual({ trace: 't1' });
    expect(obj(out.parsed)).toEqual({ x: '1' });
    expect(out.key).toBe(['app', 'a', 'trace', 't1', 'x', '1'].map((s) => s + '\xff').join(''));
  });

  it('puts errors among parsed labels', () => {
    const p = compileLogPipeline(stagesOf('{app="a"} | json')).forStream(streamOf('{app="a"}'));
    const out = p.process(0, 0, 'nope', [])!;
    expect(out.parsed.map((l) => l.name)).toEqual(['__error__', '__error_details__']);
  });

  it('sets TemplateFormatErr when a template fails at run time', () => {
    const p = compileLogPipeline(stagesOf('{app="a"} | line_format "{{ .app.x }}"')).forStream(streamOf('{app="a"}'));
    const out = p.process(0, 0, 'orig', [])!;
    expect(out.line).toBe('orig');
    expect(obj(out.labels).__error__).toBe('TemplateFormatErr');
    expect(obj(out.labels).__error_details__).toMatch(/^template: /);
  });
});

describe('store pushdown', () => {
  const cases: { query: string; needles: string[]; lines: [string, boolean][] }[] = [
    { query: '{a="b"}', needles: [], lines: [] },
    { query: '{a="b"} |= "x" |= "y"', needles: ['x', 'y'], lines: [['xy', true], ['x', false]] },
    { query: '{a="b"} |= "x" or "y"', needles: [], lines: [['y', true], ['z', false]] },
    { query: '{a="b"} |= "" != "z"', needles: [], lines: [['q', true], ['z', false]] },
    { query: '{a="b"} | json |= "x"', needles: ['x'], lines: [['x', true], ['y', false]] },
    { query: '{a="b"} |= "x" | line_format "{{.a}}" |= "y"', needles: ['x'], lines: [['x', true], ['y', false]] },
    { query: '{a="b"} | decolorize |= "x"', needles: [], lines: [] },
    { query: '{a="b"} |= ip("1.2.3.4")', needles: [], lines: [['at 1.2.3.4', true], ['x', false]] },
  ];
  it.each(cases)('$query', ({ query, needles, lines }) => {
    const p = compileLogPipeline(stagesOf(query));
    expect(p.needles).toEqual(needles);
    if (lines.length === 0) expect(p.lineFilter).toBeUndefined();
    for (const [line, keep] of lines) expect(p.lineFilter!(line)).toBe(keep);
  });

  const exact: { query: string; exact: boolean | undefined }[] = [
    { query: '{a="b"}', exact: undefined },
    { query: '{a="b"} |= "x" |= "y"', exact: true },
    { query: '{a="b"} |= "x" != "y"', exact: false },
    { query: '{a="b"} |= "x" | json |= "y" | line_format "z" |~ "q"', exact: true },
  ];
  it.each(exact)('needlesExact of $query is $exact', ({ query, exact }) => {
    expect(compileLogPipeline(stagesOf(query)).needlesExact).toBe(exact);
  });

  // A prefiltered stream pipeline skips exactly the pushed filters: a line that fails them
  // is kept (the store would not have returned it), later filters still run.
  const prefiltered: { query: string; line: string; full: boolean; pre: boolean }[] = [
    { query: '{a="b"} |= "x"', line: 'y', full: false, pre: true },
    { query: '{a="b"} |= "x" | json | line_format "{{.k}}" |= "v"', line: '{"k":"w"}', full: false, pre: false },
    { query: '{a="b"} |= "x" | json | line_format "{{.k}}" |= "v"', line: '{"k":"v"}', full: false, pre: true },
    { query: '{a="b"} | json | k="v" != "zz"', line: '{"k":"v","zz":1}', full: false, pre: true },
    { query: '{a="b"} | json | k="v" != "zz"', line: '{"k":"w"}', full: false, pre: false },
  ];
  it.each(prefiltered)('prefiltered $query on $line', ({ query, line, full, pre }) => {
    const p = compileLogPipeline(stagesOf(query));
    const ls = [{ name: 'a', value: 'b' }];
    expect(p.forStream(ls).process(0, 0, line, []) !== undefined).toBe(full);
    expect(p.forStream(ls, true).process(0, 0, line, []) !== undefined).toBe(pre);
  });
});

describe('compile errors', () => {
  const cases: { query: string; message: string | RegExp }[] = [
    { query: '{a="b"} |~ "("', message: 'error parsing regexp: missing closing ): `(`' },
    { query: '{a="b"} |~ ip("1.2.3.4")', message: 'ip: invalid operation' },
    { query: '{a="b"} |= ip("bogus")', message: 'ip: invalid pattern: "bogus"' },
    { query: '{a="b"} | regexp `nocapture`', message: /at least one named capture must be supplied/ },
    { query: '{a="b"} | pattern `no captures here`', message: /at least one capture is required/ },
    { query: '{a="b"} | json bad="user["', message: /cannot parse expression/ },
    { query: '{a="b"} | line_format "{{ nosuchfunc }}"', message: /^invalid line template: template: line:1: function "nosuchfunc" not defined$/ },
    { query: '{a="b"} | label_format x="{{"', message: /^invalid template for label 'x': template: label:1: unclosed action/ },
    { query: '{a="b"} | label_format x=a, x="y"', message: "multiple label name 'x' not allowed in a single format operation" },
    { query: '{a="b"} | addr = ip("bogus")', message: 'ip: invalid pattern: "bogus"' },
  ];
  it.each(cases)('$query', ({ query, message }) => {
    let err: unknown;
    try {
      compileLogPipeline(stagesOf(query));
    } catch (e) {
      err = e;
    }
    expect(isCairnError(err)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as { kind: string }).kind).toBe('bad_data');
  });
});
