// Proves the query routes' cancellation flag over real HTTP: set when the client goes away
// before the answer is written, left unset when the answer was written.
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelOnClose, type CancelFlag } from '../../src/api/cancel-on-close.js';

const app = Fastify();
const flags: CancelFlag[] = [];
let base = '';

beforeAll(async () => {
  app.get('/slow', async (_req, reply) => {
    const flag = cancelOnClose(reply);
    flags.push(flag);
    // A query yielding until it sees the flag (bounded: 2 s).
    for (let i = 0; i < 200 && !flag.aborted; i++) await new Promise((r) => setTimeout(r, 10));
    return { aborted: flag.aborted };
  });
  app.get('/fast', async (_req, reply) => {
    flags.push(cancelOnClose(reply));
    return { ok: true };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(() => app.close());

describe('cancelOnClose', () => {
  it('sets the flag when the client goes away mid-query', async () => {
    const ctl = new AbortController();
    const res = fetch(`${base}/slow`, { signal: ctl.signal });
    await new Promise((r) => setTimeout(r, 50));
    ctl.abort();
    await expect(res).rejects.toThrow();
    for (let i = 0; i < 100 && flags.at(-1)?.aborted !== true; i++) await new Promise((r) => setTimeout(r, 10));
    expect(flags.at(-1)!.aborted).toBe(true);
  });

  it('leaves it unset once the answer is written', async () => {
    const res = await fetch(`${base}/fast`);
    expect(await res.json()).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 20));
    expect(flags.at(-1)!.aborted).toBe(false);
  });
});
