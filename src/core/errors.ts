/**
 * Every error code Meridian raises, in one style: lower snake_case, the subject first and the
 * condition last (`event_store_closed`, `parameter_invalid`). A code is a contract: clients and
 * alerts match on it, so a code is added here, documented in docs/api.md when HTTP can return it,
 * and never reused for another meaning.
 */
export const ERROR_CODES = {
  // HTTP requests
  parameter_invalid: 'a query, path or body field fails its schema; `field` names it',
  body_invalid: 'the request body has the wrong shape',
  body_too_large: 'the request body is over the configured limit',
  json_invalid: 'the request body is not JSON',
  media_type_unsupported: 'the content type is not application/json',
  content_length_invalid: 'the content-length header is wrong',
  url_invalid: 'the URL has bad percent-encoding',
  uri_too_long: 'a path parameter is over its length limit',
  request_invalid: 'any other request the server cannot read',
  route_not_found: 'no route for this method and path',
  item_not_found: 'the item is not in the catalog',
  batch_too_large: 'an event batch holds more events than allowed',
  update_invalid: 'a feature update is malformed',
  internal_error: 'an unexpected error; details are in the log, never in the response',
  // request limits (rates)
  rate_limited: 'a request rate limit (of the API key, the client address or the tenant) is spent; Retry-After says when to retry',
  // configuration and options
  config_invalid: 'the configuration (file, environment or a port URL) is invalid',
  option_invalid: 'an option passed to a component is out of range',
  encoder_option_invalid: 'a user-encoder option is out of range',
  feature_option_invalid: 'a feature option is out of range',
  index_option_invalid: 'a vector-index option is out of range',
  range_invalid: 'an event-store time range is malformed',
  // command line
  cli_flag_invalid: 'a command-line flag of train, evaluate, replay, simulate or keys is unknown, missing or malformed (exit 2)',
  train_option_invalid: 'a train option is out of range',
  train_no_data: 'there is nothing to train on',
  train_singular: 'the training problem has no unique solution',
  evaluate_data_invalid: 'the evaluation dataset cannot be read',
  replay_rejected_unwritable: 'the file for rejected events cannot be written',
  simulate_option_invalid: 'a simulate option is out of range',
  simulate_market_unknown: 'the simulated market is not defined',
  simulate_post_failed: 'the simulator could not post to the engine',
  log_invalid: 'an event log line cannot be parsed',
  log_unreadable: 'an event log cannot be read',
  // ports and adapters
  bus_unavailable: 'the event bus cannot be reached',
  bus_closed: 'the event bus is closed',
  bus_group_exists: 'a consumer group of this name is already running',
  bus_handler_failed: 'a consumer handler threw',
  event_store_unavailable: 'the event store cannot be reached',
  event_store_closed: 'the event store is closed',
  event_store_backlog: 'the event store insert buffer is full',
  event_store_flush_failed: 'a batch of events could not be written to the event store',
  event_store_schema_mismatch: 'the events table differs from the schema this build writes',
  event_store_schema_newer: 'the events table was created by a newer build',
  clickhouse_unavailable: 'the ClickHouse server cannot be reached',
  clickhouse_failed: 'the ClickHouse server rejected a query',
  feature_store_unavailable: 'the feature store cannot be reached',
  feature_store_closed: 'the feature store is closed',
  feature_store_failed: 'the feature store answered with an error',
  feature_store_snapshot_corrupt: 'a feature-store snapshot cannot be read',
  feature_store_snapshot_exists: 'a feature-store snapshot would be overwritten',
  dead_letters_unavailable: 'the dead-letter sink cannot be reached',
  dead_letters_closed: 'the dead-letter sink is closed',
  dead_letters_write_failed: 'a dead letter could not be written',
  tenants_closed: 'the tenant registry is closed',
  tenants_flush_failed: 'the tenant registry could not be written',
  // access: API keys and their scopes
  key_unauthorized: 'no API key, or one that is malformed, unknown, expired or revoked (401; which of them is not said)',
  scope_forbidden: 'the key lacks the scope the route or an event needs; the message names the scope (403)',
  tenant_mismatch: 'a request or an event names a tenant other than its key\'s (403); `field` names where',
  key_not_found: 'no API key of this id (admin key API, meridian keys revoke)',
  key_store_unavailable: 'the key store (Redis) cannot be reached; requests that need a key answer 503',
  key_store_corrupt: 'the key file cannot be read',
  // hostile input: bodies too deep to read safely
  body_too_deep: 'the request body nests arrays and objects deeper than the limit (LIMITS.jsonDepth)',
  // models
  model_not_found: 'no model of this version in the registry',
  model_invalid: 'a model file fails its checks',
  model_corrupt: 'a model file is damaged',
  model_unsupported: 'a model file has a format this build does not read',
  model_version_invalid: 'a model version is malformed',
  model_previous_missing: 'there is no previous model to roll back to',
  encoder_dim_mismatch: 'two encoders disagree on the embedding dimension',
  sequence_unavailable: 'the sequence model thread is not answering',
  sequence_failed: 'the sequence model thread failed',
  sequence_closed: 'the sequence model is closed',
  vector_dim_mismatch: 'a vector has the wrong number of dimensions',
  vector_not_finite: 'a vector has a non-finite component',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Errors carry a stable code, an HTTP status and a retriable flag. The HTTP layer maps them to
 * responses; internals of unexpected errors never reach a client.
 */
export class MeridianError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly retriable: boolean;
  readonly field: string | undefined;

  constructor(
    code: ErrorCode,
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

export const badRequest = (code: ErrorCode, message: string, field?: string): MeridianError =>
  new MeridianError(code, message, field === undefined ? { statusCode: 400 } : { statusCode: 400, field });

export const notFound = (code: ErrorCode, message: string): MeridianError =>
  new MeridianError(code, message, { statusCode: 404 });

export const unavailable = (code: ErrorCode, message: string, cause?: unknown): MeridianError =>
  new MeridianError(code, message, { statusCode: 503, retriable: true, cause });

export function isMeridianError(e: unknown): e is MeridianError {
  return e instanceof MeridianError;
}

/** A port's URL that no adapter of this build opens: a configuration mistake, reported at start. */
export const noAdapter = (port: string, url: string, known: string): MeridianError =>
  new MeridianError('config_invalid', `${port} URL "${url}": no adapter for it in this build (available: ${known})`);
