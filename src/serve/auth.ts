import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ANY_TENANT, SCOPES, type Access, type Keyring, type Scope } from '../access/index.ts';
import { MeridianError } from '../core/index.ts';

/*
 * Authentication: one onRequest hook resolves the request's key (`Authorization: Bearer <key>`, or
 * `X-API-Key: <key>`), sets `request.access`, and enforces the scope the route declares in its
 * `config: { scope }`. A route that declares none needs `admin` (fail closed); a request that matched
 * no route goes on to its 404. Every refusal of a key is the same 401, whatever the reason.
 */

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling: set by the authentication hook before any handler runs. */
    access: Access;
  }
  interface FastifyContextConfig {
    /** What the route needs: a key with this scope, or nothing (`public`). */
    scope?: Scope | 'public';
  }
}

/**
 * `keys`: every non-public route needs a key. `off` (loopback only, checked by the composition
 * root): every request is an operator with every scope; `keys`, when given, still backs the admin
 * key API so keys can be made before they are required.
 */
export type AuthOptions = { mode: 'keys'; keys: Keyring } | { mode: 'off'; keys?: Keyring | undefined };

/** Every request's access when authentication is off. */
export const OPEN_ACCESS: Access = Object.freeze({ tenant: ANY_TENANT, scopes: new Set<Scope>(SCOPES) });
/** A public route's access when no key is needed: no tenant, no scope. */
export const NO_ACCESS: Access = Object.freeze({ tenant: '', scopes: new Set<Scope>() });

const unauthorized = (): MeridianError =>
  new MeridianError('key_unauthorized', 'a valid API key is required: Authorization: Bearer <key> or X-API-Key: <key>', { statusCode: 401 });

export const forbidden = (scope: Scope, field?: string): MeridianError =>
  new MeridianError('scope_forbidden', `this needs a key with the "${scope}" scope`, { statusCode: 403, ...(field === undefined ? {} : { field }) });

/** The key a request presents, or undefined. */
function presented(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h === 'string' && h.length > 7 && h.slice(0, 7).toLowerCase() === 'bearer ') return h.slice(7).trim();
  const x = req.headers['x-api-key'];
  return typeof x === 'string' && x !== '' ? x.trim() : undefined;
}

/**
 * The tenant a request acts on: the one its key is bound to. A request may repeat that tenant; an
 * operator's key (`*`) may name any, else `fallback`.
 */
export function tenantFor(access: Access, named: string | undefined, fallback: string, field = 'tenant'): string {
  if (access.tenant === ANY_TENANT) return named ?? fallback;
  if (named !== undefined && named !== access.tenant) {
    throw new MeridianError('tenant_mismatch', `${field}: this key is bound to tenant "${access.tenant}"`, { statusCode: 403, field });
  }
  return access.tenant;
}

/** Registers the hook on `app` (not encapsulated: it applies to every route of the instance). */
export function registerAuth(app: FastifyInstance, auth: AuthOptions): void {
  if (auth === undefined || (auth.mode !== 'keys' && auth.mode !== 'off') || (auth.mode === 'keys' && auth.keys === undefined)) {
    throw new Error('createApp: auth must be { mode: "keys", keys } or { mode: "off" }');
  }
  app.decorateRequest('access', null as unknown as Access);
  if (auth.mode === 'off') {
    app.addHook('onRequest', (req, _reply, done) => {
      req.access = OPEN_ACCESS;
      done();
    });
    return;
  }
  const { keys } = auth;
  const admit = (req: FastifyRequest, scope: Scope, access: Access | undefined, done: HookHandlerDoneFunction): void => {
    if (access === undefined) return done(unauthorized());
    if (!access.scopes.has(scope)) return done(forbidden(scope));
    req.access = access;
    done();
  };
  app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const scope = req.routeOptions.url === undefined ? 'public' : (req.routeOptions.config.scope ?? 'admin');
    if (scope === 'public') {
      req.access = NO_ACCESS;
      return done();
    }
    const key = presented(req);
    if (key === undefined) {
      void reply.header('www-authenticate', 'Bearer realm="meridian"');
      return done(unauthorized());
    }
    let found: ReturnType<Keyring['authenticate']>;
    try {
      found = keys.authenticate(key);
    } catch (e) {
      return done(e as Error);
    }
    if (found instanceof Promise) {
      found.then(
        (access) => admit(req, scope, access, done),
        (e: unknown) => done(e as Error),
      );
    } else admit(req, scope, found, done);
  });
}
