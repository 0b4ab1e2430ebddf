/**
 * Tokens verified in the last moment, so that a request does not pay for the verification
 * again. Verifying a stored token reads its row from `system.db` and hashes it: on this
 * machine ~50 µs of the ~250 µs of CPU a small request costs the server (bench/RESULTS.md), most of it SQLite opening a
 * read transaction on a WAL database (locks on the shared-memory index).
 *
 * What is cached is trusted for `ttlMs` at most. A token revoked through this process
 * (the admin API) is refused by the very next request: the store's generation moves and
 * every entry older than it is ignored. One revoked by another process (`cairn token
 * revoke`) is refused once its entry ages out; with the TTL below one second that keeps
 * the promise that a running server sees a CLI revocation within one second.
 *
 * Only successes are cached, so unknown tokens cannot fill it; it is also bounded
 * (cleared when full). Keys are the presented tokens themselves: a lookup learns only
 * whether that exact token was verified, which the caller must already hold to ask.
 * Expiry is still checked on every hit by the caller's value, as time moves.
 */

interface Entry<V> {
  readonly value: V;
  readonly at: number;
  readonly generation: number;
}

export class TokenCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The value cached for `token` at `generation` within the TTL, or undefined. */
  get(token: string, now: number, generation: number): V | undefined {
    const e = this.entries.get(token);
    if (e === undefined) return undefined;
    // A clock that went back counts as stale too: the entry's age is unknown.
    if (e.generation !== generation || now - e.at >= this.ttlMs || now < e.at) {
      this.entries.delete(token);
      return undefined;
    }
    return e.value;
  }

  set(token: string, value: V, now: number, generation: number): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(token)) this.entries.clear();
    this.entries.set(token, { value, at: now, generation });
  }

  get size(): number {
    return this.entries.size;
  }
}
