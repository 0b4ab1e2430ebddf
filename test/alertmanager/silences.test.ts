// Proves silences follow Alertmanager's create/update/expire rules, states, matching and retention.
import { describe, expect, it } from 'vitest';
import { Silences, silenceState, sortSilences, type PostableSilence, type SilenceMatcher } from '../../src/alertmanager/silences.js';
import { labelsFromObject } from '../../src/model/labels.js';

const H = 3600_000;
const m = (name: string, value: string, isRegex = false, isEqual = true): SilenceMatcher => ({ name, value, isRegex, isEqual });

function silences(): Silences {
  let n = 0;
  return new Silences({ retentionMs: 120 * H, newId: () => `id-${++n}` });
}

const post = (matchers: SilenceMatcher[], startsAtMs: number, endsAtMs: number, id?: string): PostableSilence => ({
  ...(id === undefined ? {} : { id }),
  matchers,
  startsAtMs,
  endsAtMs,
  createdBy: 'me',
  comment: 'c',
});

describe('silence validation', () => {
  const cases: { name: string; matchers: SilenceMatcher[]; error: string }[] = [
    { name: 'no matchers', matchers: [], error: 'silence invalid: at least one matcher required' },
    { name: 'all match empty', matchers: [m('a', ''), m('b', '.*', true)], error: 'silence invalid: at least one matcher must not match the empty string' },
    { name: 'bad label name', matchers: [m('1a', 'x')], error: 'silence invalid: invalid label matcher 0: invalid label name "1a"' },
    { name: 'bad regex', matchers: [m('a', 'x'), m('b', '(', true)], error: 'silence invalid: invalid label matcher 1: invalid regular expression "("' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(() => silences().set(post(c.matchers, 0, H), 0)).toThrow(c.error);
    });
  }
});

describe('silence matching', () => {
  const cases: { name: string; matchers: SilenceMatcher[]; labels: Record<string, string>; muted: boolean }[] = [
    { name: 'equal', matchers: [m('alertname', 'A')], labels: { alertname: 'A' }, muted: true },
    { name: 'all matchers must match', matchers: [m('alertname', 'A'), m('env', 'prod')], labels: { alertname: 'A' }, muted: false },
    { name: 'regex is anchored', matchers: [m('alertname', 'A|B', true)], labels: { alertname: 'AB' }, muted: false },
    { name: 'regex matches', matchers: [m('alertname', 'Disk.*', true)], labels: { alertname: 'DiskFull' }, muted: true },
    { name: 'not equal', matchers: [m('alertname', 'A'), m('env', 'prod', false, false)], labels: { alertname: 'A', env: 'dev' }, muted: true },
    { name: 'not regex', matchers: [m('alertname', 'A'), m('env', 'pr.*', true, false)], labels: { alertname: 'A', env: 'prod' }, muted: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = silences();
      s.set(post(c.matchers, 0, H), 0);
      expect(s.mutedBy(labelsFromObject(c.labels), 10).length > 0).toBe(c.muted);
    });
  }
});

describe('silence lifecycle', () => {
  it('states: pending, active, expired', () => {
    const s = silences();
    const id = s.set(post([m('a', 'b')], 10 * H, 20 * H), 0);
    const sil = s.get(id)!;
    expect([silenceState(sil, 5 * H), silenceState(sil, 10 * H), silenceState(sil, 20 * H)]).toEqual(['pending', 'active', 'expired']);
    expect(s.mutedBy(labelsFromObject({ a: 'b' }), 5 * H)).toEqual([]);
  });

  it('a start in the past is moved to now', () => {
    const s = silences();
    const id = s.set(post([m('a', 'b')], 0, 10 * H), 2 * H);
    expect(s.get(id)!.startsAtMs).toBe(2 * H);
  });

  const updates: { name: string; now: number; change: (p: PostableSilence) => PostableSilence; sameId: boolean }[] = [
    { name: 'active: extending the end keeps the id', now: 1 * H, change: (p) => ({ ...p, endsAtMs: 5 * H }), sameId: true },
    { name: 'active: a comment change keeps the id', now: 1 * H, change: (p) => ({ ...p, comment: 'new' }), sameId: true },
    { name: 'active: changing matchers makes a new silence', now: 1 * H, change: (p) => ({ ...p, matchers: [m('a', 'c')] }), sameId: false },
    { name: 'active: changing the start makes a new silence', now: 1 * H, change: (p) => ({ ...p, startsAtMs: 1 * H }), sameId: false },
    { name: 'expired: any update makes a new silence', now: 3 * H, change: (p) => ({ ...p, endsAtMs: 5 * H }), sameId: false },
  ];
  for (const u of updates) {
    it(u.name, () => {
      const s = silences();
      const p = post([m('a', 'b')], 0, 2 * H);
      const id = s.set(p, 0);
      const newId = s.set(u.change({ ...p, id }), u.now);
      expect(newId === id).toBe(u.sameId);
      if (!u.sameId && u.now < 2 * H) expect(silenceState(s.get(id)!, u.now)).toBe('expired');
    });
  }

  it('updating an unknown id is not found', () => {
    expect(() => silences().set(post([m('a', 'b')], 0, H, 'nope'), 0)).toThrow('silence not found');
  });

  it('expire: active ends now, pending starts and ends now, expired refuses', () => {
    const s = silences();
    const active = s.set(post([m('a', 'b')], 0, 10 * H), 0);
    const pending = s.set(post([m('a', 'b')], 5 * H, 10 * H), 0);
    s.expire(active, H);
    s.expire(pending, H);
    expect(s.get(active)).toMatchObject({ startsAtMs: 0, endsAtMs: H });
    expect(s.get(pending)).toMatchObject({ startsAtMs: H, endsAtMs: H });
    expect(() => s.expire(active, 2 * H)).toThrow(`silence ${active} already expired`);
  });

  it('expired silences are kept for the retention, then deleted', () => {
    const s = silences();
    const id = s.set(post([m('a', 'b')], 0, H), 0);
    expect(s.gc(H + 119 * H)).toBe(0);
    expect(s.gc(H + 120 * H)).toBe(1);
    expect(s.get(id)).toBeUndefined();
  });

  it('lists active by end, pending by start, expired by end descending', () => {
    const s = silences();
    const a2 = s.set(post([m('a', 'b')], 0, 9 * H), 0);
    const a1 = s.set(post([m('a', 'b')], 0, 8 * H), 0);
    const p1 = s.set(post([m('a', 'b')], 20 * H, 30 * H), 0);
    const e1 = s.set(post([m('a', 'b')], 0, 1 * H), 0);
    const e2 = s.set(post([m('a', 'b')], 0, 2 * H), 0);
    expect(sortSilences(s.list(), 3 * H).map((x) => x.id)).toEqual([a1, a2, p1, e2, e1]);
  });
});
