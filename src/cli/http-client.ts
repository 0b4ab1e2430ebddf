/**
 * What the CLI's server commands (`cairn rules`, `cairn alertmanager`) share: the
 * connection flags and `CAIRN_*` variables, and a small HTTP client that sends a tenant's
 * token and turns a refused request into an error naming the status and the server's text.
 * The token is only ever sent, never printed.
 */
import { CairnError } from '../util/errors.js';
import { UsageError } from './args.js';

/** Where a command reads and writes; tests pass their own. */
export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch: typeof fetch;
}

/** The process's streams, environment and fetch. */
export const defaultIo = (): CliIo => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  fetch: globalThis.fetch,
});

/** Cairn's default listen address (server.http_listen_port 9009). */
export const DEFAULT_ADDRESS = 'http://localhost:9009';

/** The connection flags, for `parse()`. */
export const CONNECTION_FLAGS = {
  address: { type: 'string' },
  tenant: { type: 'string' },
  token: { type: 'string' },
} as const;

/** The usage line of the connection flags. */
export const CONNECTION_USAGE = '  CONN: --address URL --tenant T --token X (or CAIRN_ADDRESS, CAIRN_TENANT, CAIRN_TOKEN)';

/** A tenant's connection to a running server: a base URL plus headers. */
export class ApiClient {
  constructor(
    private readonly io: CliIo,
    readonly base: string,
    private readonly headers: Readonly<Record<string, string>>,
  ) {}

  /** Sends a request; a non-2xx answer (other than an allowed 404) is an error naming the status and the server's text. */
  async request(method: string, path: string, body?: string, allow404 = false): Promise<{ status: number; text: string }> {
    let res: Response;
    try {
      res = await this.io.fetch(this.base + path, { method, headers: this.headers, ...(body === undefined ? {} : { body }) });
    } catch (e) {
      throw new CairnError('unavailable', 'connect_failed', `cannot reach ${this.base}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (res.ok || (allow404 && res.status === 404)) return { status: res.status, text };
    throw new CairnError('bad_data', 'server_refused', `${method} ${this.base}${path}: ${res.status} ${text.trim()}`);
  }
}

/** A server address and the headers that authenticate as a tenant. */
export interface Connection {
  readonly address: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The connection from the flags, else `CAIRN_ADDRESS`, `CAIRN_TENANT` and `CAIRN_TOKEN`;
 * `scopes` names the token scopes the command needs, for the usage error.
 */
export function connection(values: { address?: string | undefined; tenant?: string | undefined; token?: string | undefined }, io: CliIo, scopes: string): Connection {
  const address = (values.address ?? io.env.CAIRN_ADDRESS ?? DEFAULT_ADDRESS).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(address)) throw new UsageError(`--address must be an http(s) URL, got ${address}`);
  const tenant = values.tenant ?? io.env.CAIRN_TENANT;
  if (tenant === undefined || tenant === '') throw new UsageError('a tenant is required: --tenant T or CAIRN_TENANT');
  const token = values.token ?? io.env.CAIRN_TOKEN;
  if (token === undefined || token === '') throw new UsageError(`a token is required: --token X or CAIRN_TOKEN (scope ${scopes})`);
  return { address, headers: { authorization: `Bearer ${token}`, 'x-scope-orgid': tenant } };
}
