/**
 * A push request in the shape the push path stores (`ColumnarPushRequest`): the protobuf
 * decoder's already is; a request of entry objects (the JSON decoders', OTLP's) has its
 * lines written once into one buffer (`columnsOf`), which the store would write them
 * into anyway.
 */
import { columnsOf, type EntryColumns } from '../../logstore/entry-columns.js';
import type { LogEntry } from '../../logstore/entry.js';
import type { Label } from '../../model/labels.js';
import type { CairnError } from '../../util/errors.js';
import type { ColumnarPushRequest, ColumnarPushStream, PushRequest, PushStream } from './types.js';

/**
 * A stream its decoder wrote into columns (protobuf, JSON from its bytes): its entries are
 * `[from, to)` of the request's columns; `entries` makes objects on first read.
 */
export class ColumnsStream implements ColumnarPushStream {
  private made: LogEntry[] | undefined = undefined;

  constructor(
    readonly labels: readonly Label[],
    readonly labelsText: string,
    readonly labelsError: CairnError | undefined,
    readonly columns: EntryColumns,
    readonly from: number,
    readonly to: number,
  ) {}

  get entries(): readonly LogEntry[] {
    return (this.made ??= this.columns.entries(this.from, this.to));
  }
}

export function columnarPush(req: PushRequest): ColumnarPushRequest {
  if (isColumnar(req)) return req;
  const { columns, starts } = columnsOf(req.streams.map((s) => s.entries));
  return { columns, streams: req.streams.map((s, i) => columnarStream(s, columns, starts[i]!)) };
}

function isColumnar(req: PushRequest): req is ColumnarPushRequest {
  return (req as Partial<ColumnarPushRequest>).columns !== undefined;
}

function columnarStream(s: PushStream, columns: EntryColumns, from: number): ColumnarPushStream {
  const entries: readonly LogEntry[] = s.entries;
  const base = { labels: s.labels, labelsText: s.labelsText, entries, columns, from, to: from + entries.length };
  return s.labelsError === undefined ? base : { ...base, labelsError: s.labelsError };
}
