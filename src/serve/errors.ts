import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, isMeridianError, type ErrorCode, type Logger } from '../core/index.ts';
import type { ErrorBody } from './schemas.ts';

/**
 * One mapping from errors to responses: validation errors name the field, MeridianErrors keep their
 * code and status, client errors raised by Fastify itself get stable codes, and anything else is a
 * 500 that says nothing about internals. Every 5xx body, a MeridianError's included, carries a
 * fixed message and the request id; the details go to the log with the request id.
 */
interface AjvError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'json_invalid',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'json_invalid',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'media_type_unsupported',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'content_length_invalid',
};

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  return { error: field === undefined ? { code, message } : { code, message, field } };
}

/**
 * A 5xx body: the stable code, a fixed message (the code's meaning from the catalogue, never the
 * error's own text, which may hold adapter replies, addresses or file paths) and the request id
 * that finds the details in the log.
 */
export function serverErrorBody(code: ErrorCode, requestId: string): ErrorBody {
  const message = code === 'internal_error' ? 'internal error' : ERROR_CODES[code];
  return { error: { code, message, requestId } };
}

/** `{instancePath: '/k'}` → 'k'; a missing property names itself; the root names the request part. */
export function validationBody(errors: readonly AjvError[], context: string | undefined): ErrorBody {
  const first = errors[0] ?? {};
  const missing = first.params?.missingProperty;
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const field = typeof missing === 'string' ? (path === '' ? missing : `${path}.${missing}`) : path === '' ? (context ?? 'request') : path;
  const rule = typeof missing === 'string' ? 'is required' : (first.message ?? 'is invalid');
  return errorBody('parameter_invalid', `${field}: ${rule}`, field);
}

function asFastifyError(e: unknown): (FastifyError & { validation?: AjvError[]; validationContext?: string }) | undefined {
  return e instanceof Error ? (e as FastifyError) : undefined;
}

export function makeErrorHandler(logger: Logger) {
  return function onError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const err = asFastifyError(error);
    if (err?.validation !== undefined) {
      return reply.status(400).send(validationBody(err.validation, err.validationContext));
    }
    if (isMeridianError(error)) {
      if (error.statusCode < 500) return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.field));
      logger.error('request failed', { reqId: request.id, route: request.routeOptions.url, code: error.code, err: error, cause: error.cause });
      if (error.retriable && error.statusCode === 503) void reply.header('retry-after', '1');
      return reply.status(error.statusCode).send(serverErrorBody(error.code, request.id));
    }
    const status = err?.statusCode;
    // Only Fastify's own client errors (body parsing, media type) are passed on; any other error,
    // whatever status it claims, is unexpected.
    if (err !== undefined && err.code?.startsWith('FST_') === true && typeof status === 'number' && status >= 400 && status < 500) {
      const code = FASTIFY_CODES[err.code] ?? 'request_invalid';
      return reply.status(status).send(errorBody(code, err.message));
    }
    logger.error('unexpected error', { reqId: request.id, route: request.routeOptions.url, err: error, stack: err?.stack });
    return reply.status(500).send(serverErrorBody('internal_error', request.id));
  };
}

/**
 * Errors Fastify raises before routing (bad percent-encoding, an over-long path parameter); set as
 * the `frameworkErrors` server option. The messages do not echo the path.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send(errorBody('uri_too_long', 'a path parameter is too long'));
  } else if (error.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send(errorBody('url_invalid', 'the URL is not valid (bad percent-encoding)'));
  } else {
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 400;
    void reply.status(status).send(errorBody('request_invalid', 'the request could not be routed'));
  }
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?', 1)[0] ?? '';
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return reply.status(404).send(errorBody('route_not_found', `no route for ${request.method} ${shown}`));
}
