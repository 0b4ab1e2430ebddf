/**
 * In-process CPU profiles for benchmarks: records V8's sampling profiler around one async
 * call (node:inspector, main thread only) and sums self time per function, so a bench can
 * say where one query's time goes without profiling the whole process (data loading
 * included) as `node --cpu-prof` would.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** The parts of a `.cpuprofile` that self time needs. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's share of a profile. */
export interface SelfTime {
  /** `name file[:line]` (file = last two path segments; line 1-based, when known). */
  readonly fn: string;
  readonly ms: number;
  /** Of all sampled time, idle included. */
  readonly share: number;
}

/**
 * Runs `fn` under the sampling profiler (100 µs interval: a query of a few hundred ms
 * gets thousands of samples), writes the profile to `path` (open it in Chrome DevTools or
 * speedscope) and returns the `top` functions by self time.
 */
export async function profileCall(fn: () => Promise<unknown>, path: string, top = 12): Promise<SelfTime[]> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    await fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    writeFileSync(path, JSON.stringify(profile));
    return selfTimes(profile, top);
  } finally {
    session.disconnect();
  }
}

/**
 * The `top` functions of a profile by self time, same-named frames of one file merged.
 * Time under `node:inspector` frames (the profiler serialising its own profile at stop)
 * is left out.
 */
export function selfTimes(p: CpuProfile, top: number): SelfTime[] {
  const excluded = new Set<number>();
  const exclude = (id: number): void => {
    excluded.add(id);
    for (const c of p.nodes.find((n) => n.id === id)?.children ?? []) exclude(c);
  };
  for (const n of p.nodes) if (n.callFrame.url === 'node:inspector' && !excluded.has(n.id)) exclude(n.id);
  const byNode = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) byNode.set(p.samples[i]!, (byNode.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const byFn = new Map<string, number>();
  let total = 0;
  for (const n of p.nodes) {
    const us = byNode.get(n.id) ?? 0;
    if (us === 0 || excluded.has(n.id)) continue;
    const f = n.callFrame;
    // Modules loaded through tsx report line 0 for every function: the file then names it.
    const file = f.url === '' ? '' : ` ${f.url.split('/').slice(-2).join('/')}${f.lineNumber > 0 ? `:${f.lineNumber + 1}` : ''}`;
    const key = `${f.functionName === '' ? '(anonymous)' : f.functionName}${file}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    total += us;
  }
  return [...byFn]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: total > 0 ? us / total : 0 }));
}
