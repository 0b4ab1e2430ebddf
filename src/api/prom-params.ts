/**
 * Request parameters of the Prometheus HTTP API, read as Prometheus's `web/api/v1/api.go`
 * reads them: URL query and form body merged as Go's `Request.FormValue` does (for POST the
 * body wins; repeated `match[]` values from both are kept), timestamps as Unix seconds
 * (fractions rounded to ms) or RFC3339, durations as float seconds or Prometheus durations.
 * Every failure is a `bad_data` error in Prometheus's words: `invalid parameter "<name>": …`.
 */
import { badData } from '../util/errors.js';
import { parsePromDurationMs } from '../util/duration.js';

/** The merged parameters of one request. */
export interface PromParams {
  get(name: string): string | undefined;
  getAll(name: string): string[];
}

/** Merges `search` (the URL's query) with an optional form body. */
export function promParams(url: string, body: unknown): PromParams {
  const q = url.indexOf('?');
  const fromUrl = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const fromBody = body instanceof URLSearchParams ? body : undefined;
  return {
    get: (name) => fromBody?.get(name) ?? fromUrl.get(name) ?? undefined,
    getAll: (name) => [...(fromBody?.getAll(name) ?? []), ...fromUrl.getAll(name)],
  };
}

/**
 * "No bound": Prometheus's `minTime`/`maxTime` sentinels (about ±2.9e11 years) are beyond
 * what a JS number holds exactly in ms; the safe-integer extremes serve the same purpose.
 */
export const MIN_TIME_MS = Number.MIN_SAFE_INTEGER;
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;
/** The RFC3339 renderings of those sentinels that clients echo back (api.go `minTimeFormatted`). */
const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses a timestamp parameter to ms; `undefined` when absent (the caller's default applies). */
export function parseTimeParam(params: PromParams, name: string): number | undefined {
  const s = params.get(name);
  if (s === undefined || s === '') return undefined;
  const t = parseTime(s);
  if (t === undefined) throw badData('invalid_parameter', `invalid parameter "${name}": cannot parse "${s}" to a valid timestamp`);
  return t;
}

/** Unix seconds (float) or RFC3339 → ms, as Prometheus's `parseTime`; undefined if neither. */
export function parseTime(s: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const f = Number(s);
    if (!Number.isFinite(f)) return undefined;
    const sec = Math.trunc(f);
    // Go: math.Modf, then the fraction rounded to ms.
    return sec * 1000 + Math.round((f - sec) * 1000);
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const t = Date.parse(m[7] === undefined ? s : s.replace(m[7], m[7].slice(0, 4)));
  return Number.isNaN(t) ? undefined : t;
}

/** A Prometheus duration (`1h30m`, `15s`, `2w`, `500ms`) in ms, or undefined (src/util/duration.ts parses it). */
export function parsePromDuration(s: string): number | undefined {
  const ms = parsePromDurationMs(s);
  return typeof ms === 'number' ? ms : undefined;
}

/** Parses a duration parameter (float seconds or Prometheus duration) to ms. */
export function parseDurationParam(params: PromParams, name: string): number | undefined {
  const s = params.get(name);
  if (s === undefined || s === '') return undefined;
  let ms: number | undefined;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const f = Number(s);
    // Go converts to int64 nanoseconds and refuses what does not fit.
    if (Number.isFinite(f) && Math.abs(f) < 9.2e9) ms = Math.trunc(f * 1e9) / 1e6;
  } else {
    ms = parsePromDuration(s);
  }
  if (ms === undefined) throw badData('invalid_parameter', `invalid parameter "${name}": cannot parse "${s}" to a valid duration`);
  return ms;
}

/** A non-negative integer `limit`-style parameter; 0 or absent means none. */
export function parseLimitParam(params: PromParams, name: string): number {
  const s = params.get(name);
  if (s === undefined || s === '') return 0;
  if (!/^\d+$/.test(s)) throw badData('invalid_parameter', `invalid parameter "${name}": cannot parse "${s}" to a valid limit`);
  return Number(s);
}
