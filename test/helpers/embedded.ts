/**
 * Helpers for suites that drive an embedded server (`startServer` from the package) over
 * loopback, as a user's test suite would.
 */
import { expect } from 'vitest';
import type { EmbeddedServer } from 'cairn';

/** Pushes snappy remote-write bodies one after another, each expected to be accepted. */
export async function pushRemoteWrite(s: EmbeddedServer, bodies: readonly Buffer[]): Promise<void> {
  for (const body of bodies) {
    const res = await fetch(`${s.url}/api/v1/push`, {
      method: 'POST',
      body,
      headers: { 'x-scope-orgid': s.tenant, authorization: `Bearer ${s.tokens.readWrite}`, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
    });
    expect(res.status, await res.text()).toBe(200);
  }
}
