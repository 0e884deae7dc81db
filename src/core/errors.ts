/**
 * Errors carry a stable code, an HTTP status and a retriable flag. The HTTP layer maps them to
 * responses; internals of unexpected errors never reach a client.
 */
export class MeridianError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly retriable: boolean;
  readonly field: string | undefined;

  constructor(
    code: string,
    message: string,
    opts: { statusCode?: number; retriable?: boolean; field?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MeridianError';
    this.code = code;
    this.statusCode = opts.statusCode ?? 500;
    this.retriable = opts.retriable ?? false;
    this.field = opts.field;
  }
}

export const badRequest = (code: string, message: string, field?: string): MeridianError =>
  new MeridianError(code, message, field === undefined ? { statusCode: 400 } : { statusCode: 400, field });

export const notFound = (code: string, message: string): MeridianError =>
  new MeridianError(code, message, { statusCode: 404 });

export const unavailable = (code: string, message: string, cause?: unknown): MeridianError =>
  new MeridianError(code, message, { statusCode: 503, retriable: true, cause });

export function isMeridianError(e: unknown): e is MeridianError {
  return e instanceof MeridianError;
}

/** A port's URL that no adapter of this build opens: a configuration mistake, reported at start. */
export const noAdapter = (port: string, url: string, known: string): MeridianError =>
  new MeridianError('config_invalid', `${port} URL "${url}": no adapter for it in this build (available: ${known})`);
