// Proves that the LogQL parser accepts Loki's grammar, prints Loki's canonical String()
// form, round-trips through the printer, and refuses bad queries with Loki's wording.
import { describe, expect, it } from 'vitest';
import { formatLogQL, LogQLParseError, parseLogQL, parseLogSelector } from '../../src/logql/index.js';
import { isCairnError } from '../../src/util/errors.js';

interface ValidCase {
  readonly input: string;
  /** Loki's String() of the parsed query; the input itself when omitted. */
  readonly expected?: string;
}

const valid: readonly ValidCase[] = [
  // Stream selectors.
  { input: '{app="foo"}' },
  { input: '{app="foo", env=~"prod|dev", pod!="x", ns!~"kube-.*"}' },
  { input: '{app=`foo\\bar`}', expected: '{app="foo\\\\bar"}' },
  { input: '{ app = "foo" }', expected: '{app="foo"}' },
  { input: '{app="f\\"o\\no"}' },
  { input: '{app="日本"}' },
  { input: '({app="foo"})', expected: '{app="foo"}' },
  { input: '{app="foo"} # a comment', expected: '{app="foo"}' },
  // Line filters.
  { input: '{app="foo"} |= "bar"' },
  { input: '{app="foo"} |= "a" != "b" |~ "c.*" !~ "d" |> "<_> e" !> "f"' },
  { input: '{app="foo"} |= "a" or "b" or "c"' },
  { input: '{app="foo"} != "a" or "b"', expected: '{app="foo"} != "a" != "b"' },
  { input: '{app="foo"} |~ "a" or "b"' },
  { input: '{app="foo"} |= ip("192.168.0.0/16")' },
  { input: '{app="foo"} |=`x`', expected: '{app="foo"} |= "x"' },
  // Parsers and formatters.
  { input: '{app="foo"} | json' },
  { input: '{app="foo"} | json a="b.c", d', expected: '{app="foo"} | json a="b.c",d="d"' },
  { input: '{app="foo"} | logfmt' },
  { input: '{app="foo"} | logfmt --strict' },
  { input: '{app="foo"} | logfmt --keep-empty --strict', expected: '{app="foo"} | logfmt --strict --keep-empty' },
  { input: '{app="foo"} | logfmt --strict host, ip="fwd"', expected: '{app="foo"} | logfmt --strict host="host",ip="fwd"' },
  { input: '{app="foo"} | regexp "(?P<a>\\\\w+)"' },
  { input: '{app="foo"} | pattern "<ip> - <_>"' },
  { input: '{app="foo"} | unpack | decolorize' },
  { input: '{app="foo"} | line_format "{{.a}} {{__line__}}"' },
  { input: '{app="foo"} | label_format a=b, c="{{.d}}"', expected: '{app="foo"} | label_format a=b,c="{{.d}}"' },
  { input: '{app="foo"} | drop a, b="c", d=~"e"', expected: '{app="foo"} | drop a,b="c",d=~"e"' },
  { input: '{app="foo"} | keep a, b', expected: '{app="foo"} | keep a,b' },
  { input: '{app="foo"} | json | line_format "{{.msg}}" |= "x"' },
  // Label filters.
  { input: '{app="foo"} | status >= 400', expected: '{app="foo"} | status>=400' },
  { input: '{app="foo"} | status = 400', expected: '{app="foo"} | status==400' },
  { input: '{app="foo"} | x > -1.5e3', expected: '{app="foo"} | x>-1500' },
  { input: '{app="foo"} | d > 1s', expected: '{app="foo"} | d>1s' },
  { input: '{app="foo"} | d >= 1h', expected: '{app="foo"} | d>=1h0m0s' },
  { input: '{app="foo"} | d < 1.5s', expected: '{app="foo"} | d<1.5s' },
  { input: '{app="foo"} | d < 250ms', expected: '{app="foo"} | d<250ms' },
  { input: '{app="foo"} | d != 1d', expected: '{app="foo"} | d!=24h0m0s' },
  { input: '{app="foo"} | size > 1KB', expected: '{app="foo"} | size>1.0kB' },
  { input: '{app="foo"} | size > 20MB', expected: '{app="foo"} | size>20MB' },
  { input: '{app="foo"} | size > 1KiB', expected: '{app="foo"} | size>1024B' },
  { input: '{app="foo"} | level="error"', expected: '{app="foo"} | level="error"' },
  { input: '{app="foo"} | level=~"err.*"' },
  { input: '{app="foo"} | __error__=""' },
  { input: '{app="foo"} | addr=ip("10.0.0.0/8")' },
  { input: '{app="foo"} | addr!=ip("10.0.0.0/8")' },
  { input: '{app="foo"} | a=1 and b=2', expected: '{app="foo"} | ( a==1 , b==2 )' },
  { input: '{app="foo"} | a=1, b=2', expected: '{app="foo"} | ( a==1 , b==2 )' },
  { input: '{app="foo"} | a=1 b=2', expected: '{app="foo"} | ( a==1 , b==2 )' },
  { input: '{app="foo"} | a=1 and b=2 or c=3', expected: '{app="foo"} | ( ( a==1 , b==2 ) or c==3 )' },
  { input: '{app="foo"} | a=1 or b=2 and c=3', expected: '{app="foo"} | ( a==1 or ( b==2 , c==3 ) )' },
  { input: '{app="foo"} | a=1, b=2 or c=3', expected: '{app="foo"} | ( a==1 , ( b==2 or c==3 ) )' },
  { input: '{app="foo"} | (a=1 or b=2) and c=3', expected: '{app="foo"} | ( ( a==1 or b==2 ) , c==3 )' },
  { input: '{app="foo"} | bytes > 1KB', expected: '{app="foo"} | bytes>1.0kB' },
  { input: '{app="foo"} | size > 0KB', expected: '{app="foo"} | size>0kB' },
  { input: '{app="foo"} | size <= 5B', expected: '{app="foo"} | size<=5B' },
  // As in Loki, a bare name before a `!=` line filter reads as a drop matcher.
  { input: '{app="foo"} | drop x != "y"', expected: '{app="foo"} | drop x!="y"' },
  { input: '{app="foo"} | json x | line_format "{{.x}}"', expected: '{app="foo"} | json x="x" | line_format "{{.x}}"' },
  // Range aggregations.
  { input: 'count_over_time({app="foo"}[5m])' },
  { input: 'rate({app="foo"} |= "x" [1m])', expected: 'rate({app="foo"} |= "x"[1m])' },
  { input: 'bytes_over_time({app="foo"}[1h30m])' },
  { input: 'bytes_rate({app="foo"}[90s])', expected: 'bytes_rate({app="foo"}[1m30s])' },
  { input: 'absent_over_time({app="foo"}[1w])' },
  { input: 'count_over_time({app="foo"}[5m] offset 1h)', expected: 'count_over_time({app="foo"}[5m] offset 1h0m0s)' },
  { input: 'count_over_time({app="foo"}[5m] | json)', expected: 'count_over_time({app="foo"} | json[5m])' },
  { input: 'count_over_time(({app="foo"} | json)[5m])', expected: 'count_over_time({app="foo"} | json[5m])' },
  { input: 'count_over_time(({app="foo"} | json [5m]))', expected: 'count_over_time({app="foo"} | json[5m])' },
  { input: 'sum_over_time({app="foo"} | logfmt | unwrap latency [5m])', expected: 'sum_over_time({app="foo"} | logfmt | unwrap latency[5m])' },
  {
    input: 'avg_over_time({app="foo"} | logfmt | unwrap duration(took) | __error__="" [5m]) by (host)',
    expected: 'avg_over_time({app="foo"} | logfmt | unwrap duration(took) | __error__=""[5m]) by (host)',
  },
  { input: 'max_over_time({app="foo"} | unwrap bytes(b)[1m]) without (pod)', expected: 'max_over_time({app="foo"} | unwrap bytes(b)[1m]) without (pod)' },
  { input: 'min_over_time({a="b"} | unwrap duration_seconds(d) | d > 1 [1m])', expected: 'min_over_time({a="b"} | unwrap duration_seconds(d) | d>1[1m])' },
  { input: 'quantile_over_time(0.99, {a="b"} | unwrap x [1m]) by (c)', expected: 'quantile_over_time(0.99,{a="b"} | unwrap x[1m]) by (c)' },
  { input: 'rate_counter({a="b"} | unwrap x [1m])', expected: 'rate_counter({a="b"} | unwrap x[1m])' },
  { input: 'rate({a="b"} | unwrap x [1m])', expected: 'rate({a="b"} | unwrap x[1m])' },
  { input: 'first_over_time({a="b"} | unwrap x [1m]) by ()', expected: 'first_over_time({a="b"} | unwrap x[1m]) by ()' },
  { input: 'stddev_over_time({a="b"} | unwrap x [1m])', expected: 'stddev_over_time({a="b"} | unwrap x[1m])' },
  // Lexing corner cases.
  { input: 'count_over_time({a="b"}[5m] offset -5m)', expected: 'count_over_time({a="b"}[5m] offset -5m0s)' },
  { input: '{a="b"} | x > -1s', expected: '{a="b"} | x>-1s' },
  { input: '{a="b"} | x > 1h30m', expected: '{a="b"} | x>1h30m0s' },
  { input: '{a="b"} | x > 250us', expected: '{a="b"} | x>250µs' },
  { input: '{a="b"} | x > .5', expected: '{a="b"} | x>0.5' },
  { input: '{a="b"} | x > 1e3', expected: '{a="b"} | x>1000' },
  { input: '{a="b"} | x > 1.5MiB', expected: '{a="b"} | x>1572864B' },
  { input: 'Sum BY (x) (Rate({a="b"}[1m]))', expected: 'sum by (x)(rate({a="b"}[1m]))' },
  { input: 'sum\n  by (x)\n  (rate({a="b"}[1m])) # trailing', expected: 'sum by (x)(rate({a="b"}[1m]))' },
  { input: '{sum="x", rate="y"} | bytes > 1KB | duration > 1s', expected: '{sum="x", rate="y"} | bytes>1.0kB | duration>1s' },
  { input: '{a="\\x41\\u00e9\\101"}', expected: '{a="AéA"}' },
  { input: '{a="\\t\\x00"}', expected: '{a="\\t\\x00"}' },
  // Vector aggregations.
  { input: 'sum(count_over_time({a="b"}[1m]))' },
  { input: 'sum by (x, y) (count_over_time({a="b"}[1m]))', expected: 'sum by (x,y)(count_over_time({a="b"}[1m]))' },
  { input: 'sum(count_over_time({a="b"}[1m])) by (x)', expected: 'sum by (x)(count_over_time({a="b"}[1m]))' },
  { input: 'sum without (x) (count_over_time({a="b"}[1m]))', expected: 'sum without (x)(count_over_time({a="b"}[1m]))' },
  { input: 'sum without () (count_over_time({a="b"}[1m]))', expected: 'sum without ()(count_over_time({a="b"}[1m]))' },
  { input: 'sum by () (count_over_time({a="b"}[1m]))', expected: 'sum(count_over_time({a="b"}[1m]))' },
  { input: 'topk(5, rate({a="b"}[1m]))', expected: 'topk(5,rate({a="b"}[1m]))' },
  { input: 'bottomk by (x) (2, rate({a="b"}[1m]))', expected: 'bottomk by (x)(2,rate({a="b"}[1m]))' },
  { input: 'sort_desc(sum(rate({a="b"}[1m])))' },
  { input: 'avg(min(max(stddev(stdvar(count(rate({a="b"}[1m])))))))' },
  { input: 'SUM(rate({a="b"}[1m]))', expected: 'sum(rate({a="b"}[1m]))' },
  // Other metric expressions.
  { input: 'vector(1)', expected: 'vector(1.000000)' },
  { input: '1' },
  { input: '-1.5' },
  { input: '1 + 2 * 3', expected: '7' },
  { input: '2 ^ 3 ^ 2', expected: '512' },
  { input: '1 / 0', expected: 'NaN' },
  { input: '1000000', expected: '1e+06' },
  { input: '0.00001', expected: '1e-05' },
  {
    input: 'label_replace(rate({a="b"}[1m]), "dst", "$1", "src", "(.*)")',
    expected: 'label_replace(rate({a="b"}[1m]),"dst","$1","src","(.*)")',
  },
  // Binary operators.
  { input: 'rate({a="b"}[1m]) + rate({a="c"}[1m])', expected: '(rate({a="b"}[1m]) + rate({a="c"}[1m]))' },
  { input: 'rate({a="b"}[1m]) > 1', expected: '(rate({a="b"}[1m]) > 1)' },
  { input: 'rate({a="b"}[1m]) > bool 1', expected: '(rate({a="b"}[1m]) > bool 1)' },
  { input: 'rate({a="b"}[1m]) * 2 + 1', expected: '((rate({a="b"}[1m]) * 2) + 1)' },
  { input: '1 + rate({a="b"}[1m]) * 2', expected: '(1 + (rate({a="b"}[1m]) * 2))' },
  { input: 'rate({a="b"}[1m]) ^ 2 ^ 3', expected: '(rate({a="b"}[1m]) ^ 8)' },
  { input: 'rate({a="b"}[1m]) - (1 - 2)', expected: '(rate({a="b"}[1m]) - -1)' },
  {
    input: 'rate({a="b"}[1m]) or rate({a="c"}[1m]) and rate({a="d"}[1m])',
    expected: '(rate({a="b"}[1m]) or (rate({a="c"}[1m]) and rate({a="d"}[1m])))',
  },
  { input: 'rate({a="b"}[1m]) unless rate({a="c"}[1m])', expected: '(rate({a="b"}[1m]) unless rate({a="c"}[1m]))' },
  { input: 'rate({a="b"}[1m]) / on (x) rate({a="c"}[1m])', expected: '(rate({a="b"}[1m]) / on (x)  rate({a="c"}[1m]))' },
  {
    input: 'rate({a="b"}[1m]) / ignoring (x) group_left (y, z) rate({a="c"}[1m])',
    expected: '(rate({a="b"}[1m]) / ignoring (x) group_left (y,z) rate({a="c"}[1m]))',
  },
  { input: 'rate({a="b"}[1m]) / on () group_right rate({a="c"}[1m])', expected: '(rate({a="b"}[1m]) / on () group_right rate({a="c"}[1m]))' },
  { input: 'rate({a="b"}[1m]) == bool on (x) rate({a="c"}[1m])', expected: '(rate({a="b"}[1m]) == bool on (x)  rate({a="c"}[1m]))' },
  { input: '(rate({a="b"}[1m]))', expected: 'rate({a="b"}[1m])' },
  { input: '1 >= 1 > 1', expected: '0' },
  { input: '1 + 1 + 1', expected: '3' },
  {
    input: 'sum by (app,machine) (count_over_time({app="foo"}[1m])) > bool on () group_right (app) sum by (app) (count_over_time({app="foo"}[1m]))',
    expected: '(sum by (app,machine)(count_over_time({app="foo"}[1m])) > bool on () group_right (app) sum by (app)(count_over_time({app="foo"}[1m])))',
  },
  {
    input: 'avg_over_time({app="foo"} |= "bar" | json | latency >= 250ms or ( status_code < 500 and status_code > 200) | line_format "blip{{ .foo }}blop" | label_format foo=bar,status_code="buzz{{.bar}}" | unwrap foo [5m]) by (namespace,instance)',
    expected: 'avg_over_time({app="foo"} |= "bar" | json | ( latency>=250ms or ( status_code<500 , status_code>200 ) ) | line_format "blip{{ .foo }}blop" | label_format foo=bar,status_code="buzz{{.bar}}" | unwrap foo[5m]) by (namespace,instance)',
  },
  {
    // Loki would print `group_left (rate(…) + 1)`, which reads back as an include list.
    input: 'rate({a="b"}[1m]) * on (x) group_left () (rate({a="c"}[1m]) + 1)',
    expected: '(rate({a="b"}[1m]) * on (x) group_left () (rate({a="c"}[1m]) + 1))',
  },
];

interface InvalidCase {
  readonly input: string;
  readonly error: string;
}

const invalid: readonly InvalidCase[] = [
  { input: '{}', error: 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will' },
  { input: '{a=~".*"}', error: 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will' },
  { input: '{a="", b!="x"} |= "y"', error: 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will' },
  { input: 'rate({a=~".*"}[1m])', error: 'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will' },
  { input: '', error: 'parse error at line 1, col 1: syntax error: unexpected $end' },
  // Keywords are case-insensitive and never label names, as in Loki.
  { input: '{AND="x"}', error: 'parse error at line 1, col 2: syntax error: unexpected and, expecting IDENTIFIER or }' },
  { input: '{a}', error: 'parse error at line 1, col 3: syntax error: unexpected }, expecting = or =~ or !~ or !=' },
  { input: '{a="b"', error: 'parse error at line 1, col 7: syntax error: unexpected $end, expecting } or ,' },
  { input: '{a="b"}\n  | drop', error: 'parse error at line 2, col 9: syntax error: unexpected $end, expecting IDENTIFIER' },
  { input: 'count_over_time({app="a"} | drop [1m])', error: 'parse error at line 0, col 34: syntax error: unexpected RANGE, expecting IDENTIFIER' },
  { input: '{a="b"} |= 1', error: 'parse error at line 1, col 12: syntax error: unexpected NUMBER, expecting STRING or ip' },
  { input: '{a="b"} |= "x" [5m]', error: 'parse error at line 0, col 16: syntax error: unexpected RANGE' },
  { input: '{a="b"} | code == "200"', error: 'parse error at line 1, col 19: syntax error: unexpected STRING' },
  { input: '{a="b"} | addr == ip("1.2.3.4")', error: 'parse error at line 1, col 19: syntax error: unexpected ip' },
  { input: '{a="b"} | addr =~ ip("1.2.3.4")', error: 'parse error at line 1, col 19: syntax error: unexpected ip, expecting STRING' },
  { input: '{a="b"} | x > 0x10', error: 'parse error : unable to parse literal as a float: strconv.ParseFloat: parsing "0x10": invalid syntax' },
  { input: '{a="b"} |= "\\q"', error: 'parse error at line 1, col 12: invalid char escape' },
  { input: '{a="b}', error: 'parse error at line 1, col 4: literal not terminated' },
  { input: 'rate({a="b"}[5x])', error: 'parse error at line 0, col 13: unknown unit "x" in duration "5x"' },
  { input: 'rate({a="b"}[1m1h])', error: 'parse error at line 0, col 13: not a valid duration string: "1m1h"' },
  // Cases from Loki's parser_test.go.
  { input: 'unk({ foo = "bar" }[5m])', error: 'parse error at line 1, col 1: syntax error: unexpected IDENTIFIER' },
  { input: 'rate({ foo = "bar" }[5minutes])', error: 'parse error at line 0, col 21: unknown unit "minutes" in duration "5minutes"' },
  { input: 'rate({ foo = "bar" }[5)', error: "parse error at line 0, col 21: missing closing ']' in duration" },
  { input: 'min({ foo = "bar" }[5m])', error: 'parse error at line 0, col 20: syntax error: unexpected RANGE' },
  { input: 'label_replace(rate({ foo = "bar" }[5m]),"")', error: 'parse error at line 1, col 43: syntax error: unexpected ), expecting ,' },
  {
    input: 'label_replace(rate({ foo = "bar" }[5m]),"foo","$1","bar","^^^^x43\\\\q")',
    error: 'parse error : invalid regex in label_replace: error parsing regexp: invalid escape sequence: `\\q`',
  },
  { input: 'sum(3 ,count_over_time({ foo = "bar" }[5h]))', error: 'parse error : unsupported parameter for operation sum(3,' },
  { input: 'bottomk(he,count_over_time({ foo = "bar" }[5h]))', error: 'parse error at line 1, col 9: syntax error: unexpected IDENTIFIER' },
  { input: 'bottomk(1.2,count_over_time({ foo = "bar" }[5h]))', error: 'parse error : invalid parameter bottomk(1.2,' },
  { input: 'stddev({ foo = "bar" })', error: 'parse error at line 1, col 23: syntax error: unexpected )' },
  { input: '{foo="bar}', error: 'parse error at line 1, col 6: literal not terminated' },
  { input: '{foo="bar"', error: 'parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,' },
  { input: '{foo="bar"} |~', error: 'parse error at line 1, col 15: syntax error: unexpected $end, expecting STRING or ip' },
  { input: '{foo="bar"} "foo"', error: 'parse error at line 1, col 13: syntax error: unexpected STRING' },
  { input: '{foo="bar"} foo', error: 'parse error at line 1, col 13: syntax error: unexpected IDENTIFIER' },
  { input: 'label_replace({a="b"}, "a", "b", "c", "d")', error: 'parse error at line 1, col 22: syntax error: unexpected ,' },
  { input: 'sum(count_over_time({foo="bar"}[5m])) by (foo) - {foo="bar"}', error: 'parse error : unexpected type for right leg of binary operation (-): *syntax.MatchersExpr' },
  { input: '1 unless sum(count_over_time({foo="bar"}[5m])) by (foo)', error: 'parse error : unexpected literal for left leg of logical/set binary operation (unless): 1.000000' },
  { input: 'sum(count_over_time({foo="bar"}[5m])) by (foo) + 1 or 1', error: 'parse error : unexpected literal for right leg of logical/set binary operation (or): 1.000000' },
  { input: '{ foo = "bar" }|logfmt|addr>=ip("1.2.3.4")', error: 'parse error at line 1, col 30: syntax error: unexpected ip' },
  { input: 'rate({a="b"}[5m)', error: "parse error at line 0, col 13: missing closing ']' in duration" },
  { input: 'quantile_over_time(-0.1, {a="b"} | unwrap v [1m])', error: 'parse error at line 1, col 20: syntax error: unexpected -' },
  { input: 'quantile_over_time({a="b"} | unwrap v [1m])', error: 'parse error : parameter required for operation quantile_over_time' },
  { input: 'rate(0.5, {a="b"}[1m])', error: 'parse error : parameter 0.5 not supported for operation rate' },
  { input: 'sum_over_time({a="b"}[1m])', error: 'parse error : invalid aggregation sum_over_time without unwrap' },
  { input: 'count_over_time({a="b"} | unwrap x [1m])', error: 'parse error : invalid aggregation count_over_time with unwrap' },
  { input: 'rate({a="b"}[1m]) by (x)', error: 'parse error : grouping not allowed for rate aggregation' },
  { input: 'sum_over_time({a="b"} | unwrap x [1m]) by (x)', error: 'parse error : grouping not allowed for sum_over_time aggregation' },
  { input: 'topk(rate({a="b"}[1m]))', error: 'parse error : parameter required for operation topk' },
  { input: 'topk(1.5, rate({a="b"}[1m]))', error: 'parse error : invalid parameter topk(1.5,' },
  { input: 'topk(0, rate({a="b"}[1m]))', error: 'parse error : invalid parameter (must be greater than 0) topk(0' },
  { input: 'sum(5, rate({a="b"}[1m]))', error: 'parse error : unsupported parameter for operation sum(5,' },
  { input: 'sort by (a) (rate({a="b"}[1m]))', error: "parse error : sort and sort_desc doesn't allow grouping by " },
  { input: '{a="b"} + 1', error: 'parse error : unexpected type for left leg of binary operation (+): *syntax.MatchersExpr' },
  { input: '1 + {a="b"} |= "x"', error: 'parse error : unexpected type for right leg of binary operation (+): *syntax.PipelineExpr' },
  { input: 'rate({a="b"}[1m]) and 1', error: 'parse error : unexpected literal for right leg of logical/set binary operation (and): 1.000000' },
  { input: '{a="b"} | json | unwrap x', error: 'parse error at line 1, col 18: syntax error: unexpected unwrap' },
  { input: '{a="b"}\u00a0', error: 'parse error at line 1, col 8: syntax error: unexpected IDENTIFIER' },
  { input: 'count_over_time({a="b"}[1m]) offset 5m', error: 'parse error at line 1, col 30: syntax error: unexpected offset' },
  { input: '{a="b"} | regexp `(\\w+)`', error: 'parse error : invalid regexp parser: at least one named capture must be supplied' },
  { input: '{a="b"} | regexp "(?P<a>"', error: 'parse error : invalid regexp parser: error parsing regexp: missing closing ): `(?P<a>`' },
  { input: '{a="b"} | pattern "<_> foo"', error: 'parse error : invalid pattern parser: at least one capture is required' },
  { input: '{a="b"} | pattern "<a><b>"', error: 'parse error : invalid pattern parser: found consecutive capture: invalid expression' },
  { input: '{a="b"} | pattern "<a> <a>"', error: 'parse error : invalid pattern parser: duplicate capture name (a): invalid expression' },
  // Loki's own behaviour: Go's scanner reads `0B` as a binary literal prefix.
  { input: '{a="b"} | size > 0B', error: 'parse error : unable to parse literal as a float: strconv.ParseFloat: parsing "0B": invalid syntax' },
  { input: '{a=~"(b"}', error: 'parse error : error parsing regexp: missing closing ): `^(?:(b)$`' },
  { input: `{a="${'x'.repeat(5120)}"}`, error: 'parse error : input size too long (5126 > 5120)' },
];

describe('parseLogQL / formatLogQL', () => {
  it.each(valid)('prints $input', ({ input, expected }) => {
    const expr = parseLogQL(input);
    const printed = formatLogQL(expr);
    expect(printed).toBe(expected ?? input);
    // Round trip: the printed form parses back to the same tree (NaN literals excepted,
    // as Loki prints them as the identifier `NaN`).
    if (printed !== 'NaN') expect(parseLogQL(printed)).toEqual(expr);
  });

  it.each(invalid)('refuses $input', ({ input, error }) => {
    let caught: unknown;
    try {
      parseLogQL(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LogQLParseError);
    expect(isCairnError(caught) && caught.kind).toBe('bad_data');
    expect((caught as Error).message).toBe(error);
  });

  it('reports the position of the offending token', () => {
    try {
      parseLogQL('{a="b"}\n| json |= 5');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LogQLParseError);
      expect((e as LogQLParseError).line).toBe(2);
      expect((e as LogQLParseError).col).toBe(11);
    }
  });

  it('refuses approx_topk as not built (501), not as a syntax error', () => {
    expect(() => parseLogQL('approx_topk(2, rate({a="b"}[1m]))')).toThrow(expect.objectContaining({ kind: 'not_implemented', message: expect.stringMatching(/^approx_topk .*not implemented/) }));
  });
});

describe('parseLogSelector', () => {
  it('parses a log query', () => {
    expect(parseLogSelector('{a="b"} |= "x"').stages).toHaveLength(1);
  });
  it('refuses a metric query', () => {
    expect(() => parseLogSelector('rate({a="b"}[1m])')).toThrow('only log selector is supported');
  });
  it('skips the matcher rule when asked to', () => {
    expect(parseLogSelector('{}', false).matchers).toEqual([]);
    expect(() => parseLogSelector('{}')).toThrow(LogQLParseError);
  });
});
