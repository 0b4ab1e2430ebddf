/**
 * The admin token API, `/admin/api/v1/tokens`, guarded by an admin token. The same
 * operations and fields as `cairn token`: list (never secrets), create (the secret is in
 * this one response only), revoke.
 */
import type { FastifyInstance } from 'fastify';
import type { TokenStore } from '../../auth/token-store.js';
import { toTokenView } from '../../auth/token-view.js';
import { validateTenantId } from '../../model/tenant.js';
import type { Clock } from '../../util/clock.js';
import { parseDuration } from '../../util/duration.js';
import { badData } from '../../util/errors.js';

interface CreateBody {
  tenant?: unknown;
  scopes?: unknown;
  name?: unknown;
  expires?: unknown;
  admin?: unknown;
}

const adminOnly = { auth: { kind: 'admin' } } as const;

function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badData('invalid_request', `field ${field} must be a string`);
  return v;
}

export function registerAdminTokenRoutes(app: FastifyInstance, store: TokenStore, clock: Clock): void {
  app.get('/admin/api/v1/tokens', { config: adminOnly }, async (req) => {
    const tenant = (req.query as { tenant?: string }).tenant;
    const now = clock.now();
    return { status: 'success', data: store.list(tenant === '' ? undefined : tenant).map((t) => toTokenView(t, now)) };
  });

  app.post('/admin/api/v1/tokens', { config: adminOnly }, async (req, reply) => {
    const body = (req.body ?? {}) as CreateBody;
    if (typeof body !== 'object' || Array.isArray(body)) throw badData('invalid_request', 'the body must be a JSON object');
    const admin = body.admin === true;
    const tenant = optionalString(body.tenant, 'tenant');
    if (!admin) {
      if (tenant === undefined) throw badData('missing_tenant', 'field tenant is required (or admin: true)');
      validateTenantId(tenant);
    }
    const expires = optionalString(body.expires, 'expires');
    const created = store.create({
      admin,
      ...(tenant === undefined ? {} : { tenant }),
      scopes: optionalString(body.scopes, 'scopes') ?? 'read+write',
      ...(optionalString(body.name, 'name') === undefined ? {} : { name: body.name as string }),
      ...(expires === undefined ? {} : { expiresInMs: parseDuration(expires) }),
    });
    return reply.code(201).send({ status: 'success', data: { ...toTokenView(created.info, clock.now()), token: created.token } });
  });

  app.delete('/admin/api/v1/tokens/:id', { config: adminOnly }, async (req) => {
    const { id } = req.params as { id: string };
    return { status: 'success', data: toTokenView(store.revoke(id), clock.now()) };
  });
}
