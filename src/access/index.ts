/**
 * Who may do what: API keys bound to a tenant and to scopes, and the tenants an operator created.
 * The records live in the feature store's backend (memory with a snapshot, or Redis) so that every
 * replica sees a new key, a revoked one or a deleted tenant at once.
 */
export * from './scopes.ts';
export * from './keys.ts';
export * from './keys-memory.ts';
export * from './keys-redis.ts';
export * from './keys-open.ts';
