/**
 * Silences (Alertmanager's `silence/silence.go`): create, update and expire with its rules,
 * the pending/active/expired states, muting by matchers (regexes fully anchored, RE2), and
 * retention of expired silences (120 h by default) before they are deleted.
 */
import { randomUUID } from 'node:crypto';
import type { Labels } from '../model/labels.js';
import { matchesAll, newMatcher, type Matcher } from '../model/matcher.js';

/** A silence matcher as the API carries it. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  /** Default true; false negates (`!=`, `!~`). */
  readonly isEqual: boolean;
}

/** A silence as stored. Times in ms. */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly updatedAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

export type SilenceState = 'pending' | 'active' | 'expired';

/** A silence to create (no id) or update (id of an existing one). */
export interface PostableSilence {
  readonly id?: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** A silence operation refused: `notFound` maps to 404, otherwise 400 (or 500 for expire). */
export class SilenceError extends Error {
  constructor(
    message: string,
    readonly notFound: boolean,
  ) {
    super(message);
    this.name = 'SilenceError';
  }
}

/** Alertmanager's `silence.ErrNotFound`. */
export const SILENCE_NOT_FOUND = 'silence not found';

/** Alertmanager's default `--data.retention`: expired silences stay listed this long. */
export const DEFAULT_SILENCE_RETENTION_MS = 120 * 3600_000;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The state of a silence at `nowMs`. */
export function silenceState(s: Silence, nowMs: number): SilenceState {
  if (nowMs < s.startsAtMs) return 'pending';
  if (nowMs < s.endsAtMs) return 'active';
  return 'expired';
}

/** The model matcher of a silence matcher; throws the Go text on a bad regex. */
export function compileSilenceMatcher(m: SilenceMatcher): Matcher {
  const type = m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=';
  return newMatcher(type, m.name, m.value);
}

/** Alertmanager's `validateSilence` (without the id and timestamp checks the API already made). */
function validateSilence(s: Silence): Matcher[] {
  if (s.matchers.length === 0) throw new SilenceError('silence invalid: at least one matcher required', false);
  const compiled: Matcher[] = [];
  let allMatchEmpty = true;
  s.matchers.forEach((m, i) => {
    if (!LABEL_NAME.test(m.name)) throw new SilenceError(`silence invalid: invalid label matcher ${i}: invalid label name ${JSON.stringify(m.name)}`, false);
    let matcher: Matcher;
    try {
      matcher = compileSilenceMatcher(m);
    } catch (err) {
      const detail = (err as Error).message.replace(/^.*?: (error parsing regexp)/, '$1');
      throw new SilenceError(`silence invalid: invalid label matcher ${i}: invalid regular expression ${JSON.stringify(m.value)}: ${detail}`, false);
    }
    compiled.push(matcher);
    allMatchEmpty &&= matcher.matches('');
  });
  if (allMatchEmpty) throw new SilenceError('silence invalid: at least one matcher must not match the empty string', false);
  if (s.endsAtMs < s.startsAtMs) throw new SilenceError('silence invalid: end time must not be before start time', false);
  return compiled;
}

/** Persists silences; see persistence.ts. */
export interface SilenceSink {
  putSilence(s: Silence): void;
  deleteSilences(ids: readonly string[]): void;
}

export interface SilencesOptions {
  readonly retentionMs: number;
  readonly sink?: SilenceSink;
  /** Id generator (UUID v4 by default; tests pass a deterministic one). */
  readonly newId?: () => string;
}

interface Entry {
  readonly silence: Silence;
  readonly matchers: readonly Matcher[];
}

function sameMatchers(a: readonly SilenceMatcher[], b: readonly SilenceMatcher[]): boolean {
  return a.length === b.length && a.every((m, i) => m.name === b[i]!.name && m.value === b[i]!.value && m.isRegex === b[i]!.isRegex && m.isEqual === b[i]!.isEqual);
}

/** One tenant's silences. Synchronous. */
export class Silences {
  private readonly entries = new Map<string, Entry>();
  private readonly newId: () => string;
  /** Bumped on every change, so callers can cache mute results per version. */
  version = 0;

  constructor(private readonly o: SilencesOptions) {
    this.newId = o.newId ?? randomUUID;
  }

  /** Loads stored silences (skipping any that no longer compile). */
  restore(silences: readonly Silence[]): void {
    for (const s of silences) {
      try {
        this.entries.set(s.id, { silence: s, matchers: s.matchers.map(compileSilenceMatcher) });
      } catch {
        // A silence that compiled when stored always compiles; nothing to recover here.
      }
    }
    this.version++;
  }

  /**
   * Creates or updates a silence, returning its id (`Silences.Set`). An update keeps the id
   * when the matchers are unchanged and the times may change in the silence's state
   * (active: same start, end not in the past; pending: start not in the past); otherwise an
   * unexpired original is expired and a new silence with a new id replaces it. A new
   * silence's start is moved up to now. Throws SilenceError (`silence not found` for an
   * unknown id).
   */
  set(p: PostableSilence, nowMs: number): string {
    const prev = p.id !== undefined && p.id !== '' ? this.entries.get(p.id)?.silence : undefined;
    if (p.id !== undefined && p.id !== '' && prev === undefined) throw new SilenceError(SILENCE_NOT_FOUND, true);
    const base = { matchers: p.matchers, startsAtMs: p.startsAtMs, endsAtMs: p.endsAtMs, updatedAtMs: nowMs, createdBy: p.createdBy, comment: p.comment };
    if (prev !== undefined) {
      if (this.canUpdate(prev, p, nowMs)) {
        this.store({ ...base, id: prev.id });
        return prev.id;
      }
      // Validate the replacement before expiring the original, so a bad update changes nothing.
      validateSilence({ ...base, id: '' });
      if (silenceState(prev, nowMs) !== 'expired') this.expire(prev.id, nowMs);
    }
    const id = this.newId();
    this.store({ ...base, id, startsAtMs: Math.max(base.startsAtMs, nowMs) });
    return id;
  }

  private canUpdate(a: Silence, b: PostableSilence, nowMs: number): boolean {
    if (!sameMatchers(a.matchers, b.matchers)) return false;
    switch (silenceState(a, nowMs)) {
      case 'active':
        return b.startsAtMs === a.startsAtMs && b.endsAtMs >= nowMs;
      case 'pending':
        return b.startsAtMs >= nowMs;
      case 'expired':
        return false;
    }
  }

  private store(s: Silence): void {
    const matchers = validateSilence(s);
    this.entries.set(s.id, { silence: s, matchers });
    this.version++;
    this.o.sink?.putSilence(s);
  }

  /**
   * Expires a silence (`Silences.Expire`): an active one ends now, a pending one starts and
   * ends now. Throws SilenceError: not found, or `silence <id> already expired`.
   */
  expire(id: string, nowMs: number): void {
    const e = this.entries.get(id);
    if (e === undefined) throw new SilenceError(SILENCE_NOT_FOUND, true);
    const s = e.silence;
    switch (silenceState(s, nowMs)) {
      case 'expired':
        throw new SilenceError(`silence ${id} already expired`, false);
      case 'active':
        this.store({ ...s, endsAtMs: nowMs, updatedAtMs: nowMs });
        return;
      case 'pending':
        this.store({ ...s, startsAtMs: nowMs, endsAtMs: nowMs, updatedAtMs: nowMs });
        return;
    }
  }

  get(id: string): Silence | undefined {
    return this.entries.get(id)?.silence;
  }

  /** Every stored silence (expired ones until retention ends). */
  list(): Silence[] {
    return [...this.entries.values()].map((e) => e.silence);
  }

  /** Ids of the silences active at `nowMs` whose matchers all accept `labels`, sorted. */
  mutedBy(labels: Labels, nowMs: number): string[] {
    const ids: string[] = [];
    for (const e of this.entries.values()) {
      if (silenceState(e.silence, nowMs) === 'active' && matchesAll(labels, e.matchers)) ids.push(e.silence.id);
    }
    return ids.sort();
  }

  /** Deletes silences expired longer than the retention; returns how many. */
  gc(nowMs: number): number {
    const gone: string[] = [];
    for (const [id, e] of this.entries) if (e.silence.endsAtMs + this.o.retentionMs <= nowMs) gone.push(id);
    for (const id of gone) this.entries.delete(id);
    if (gone.length > 0) {
      this.version++;
      this.o.sink?.deleteSilences(gone);
    }
    return gone.length;
  }

  /** Silences by state at `nowMs`, for metrics. */
  countByState(nowMs: number): Record<SilenceState, number> {
    const n: Record<SilenceState, number> = { pending: 0, active: 0, expired: 0 };
    for (const e of this.entries.values()) n[silenceState(e.silence, nowMs)]++;
    return n;
  }
}

/** Orders silences as Alertmanager's API lists them: active by end, pending by start, expired by end descending. */
export function sortSilences(list: Silence[], nowMs: number): Silence[] {
  const rank: Record<SilenceState, number> = { active: 0, pending: 1, expired: 2 };
  return list.sort((a, b) => {
    const sa = silenceState(a, nowMs);
    const sb = silenceState(b, nowMs);
    if (sa !== sb) return rank[sa] - rank[sb];
    if (sa === 'active') return a.endsAtMs - b.endsAtMs;
    if (sa === 'pending') return a.startsAtMs - b.startsAtMs;
    return b.endsAtMs - a.endsAtMs;
  });
}
