/**
 * How `rangeEval` turns the output of each step into series (Prometheus's `seriess` map):
 * a sample joins the series of its label set, series are listed in order of first
 * appearance, and a label set given twice in one step is Prometheus's duplicate-labelset
 * error. Shared by the step-by-step path and the columnar ones so both order alike.
 */
import type { Labels } from '../../model/labels.js';
import { execError } from './query-state.js';
import type { StepMatrix, StepSeries } from './step-vector.js';
import { keyOf } from './util.js';

export const DUPLICATE_LABELSET = 'vector cannot contain metrics with the same labelset';

export class SeriesCollector {
  /** Output series by label-set object: outputs mostly reuse the same objects step after step. */
  private readonly byObject = new Map<Labels, StepSeries>();
  /** By label-set key, for a new object with known labels. */
  private readonly bySeries = new Map<string, StepSeries>();
  /** The series of output i at the last step: outputs usually come in the same order. */
  private readonly hint: (StepSeries | undefined)[] = [];
  readonly result: StepMatrix = [];

  /** Adds output `i` of the step at `ts`. Steps come in time order. */
  add(i: number, metric: Labels, ts: number, v: number): void {
    const h = this.hint[i];
    let s = h !== undefined && h.metric === metric ? h : this.byObject.get(metric);
    if (s === undefined) {
      const key = keyOf(metric);
      s = this.bySeries.get(key);
      if (s === undefined) {
        s = { metric, t: [], v: [] };
        this.bySeries.set(key, s);
        this.result.push(s);
      }
      this.byObject.set(metric, s);
    }
    if (s.t.length > 0 && s.t[s.t.length - 1] === ts) throw execError(DUPLICATE_LABELSET);
    this.hint[i] = s;
    s.t.push(ts);
    s.v.push(v);
  }
}
