/**
 * Label-set edits the per-step vector operations need (Prometheus's `labels.Builder`
 * `Keep`/`Del`/`Set` as Loki uses them), on LogQL label sets: sorted by name, unique
 * names, and empty values allowed (`{a=""}` is not `{}`). Inputs are never mutated; when
 * nothing changes the input array itself is returned, so callers can reuse its key.
 */
import type { Label, Labels } from '../../model/labels.js';

/** The labels of `ls` whose names are in `names` (Builder.Keep); `ls` itself when all are kept. */
export function keepNames(ls: Labels, names: ReadonlySet<string>): Labels {
  let out: Label[] | undefined;
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    if (names.has(l.name)) {
      if (out !== undefined) out.push(l);
    } else if (out === undefined) {
      out = ls.slice(0, i);
    }
  }
  return out ?? ls;
}

/** `ls` without the labels named in `names` (Builder.Del); `ls` itself when none is present. */
export function dropNames(ls: Labels, names: ReadonlySet<string>): Labels {
  if (names.size === 0) return ls;
  let out: Label[] | undefined;
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    if (!names.has(l.name)) {
      if (out !== undefined) out.push(l);
    } else if (out === undefined) {
      out = ls.slice(0, i);
    }
  }
  return out ?? ls;
}

/**
 * `ls` with label `name` set to `value`, or removed when `value` is undefined (Builder.Set
 * with a non-empty value / Builder.Del). Keeps the set sorted.
 */
export function withLabel(ls: Labels, name: string, value: string | undefined): Labels {
  let i = 0;
  while (i < ls.length && ls[i]!.name < name) i++;
  const present = i < ls.length && ls[i]!.name === name;
  if (value === undefined) {
    return present ? [...ls.slice(0, i), ...ls.slice(i + 1)] : ls;
  }
  if (present && ls[i]!.value === value) return ls;
  return [...ls.slice(0, i), { name, value }, ...ls.slice(present ? i + 1 : i)];
}
