/** Explicit input limits, documented in docs/api.md (Limits); exceeding one is a 4xx with a stable code. */
export const LIMITS = Object.freeze({
  /** Largest request body the API reads, in bytes. */
  bodyBytes: 1_048_576,
  /** Deepest nesting of arrays and objects in a request body (an event needs 3, its batch 2 more). */
  jsonDepth: 32,
  /** Most events in one POST /v1/events batch. */
  batchEvents: 1_000,
  /** Longest id (event, item, user, session). */
  idChars: 128,
  /** Longest search query. */
  queryChars: 256,
  /** Longest title; descriptions and review texts get `textChars`. */
  titleChars: 512,
  textChars: 8_192,
  /** Most results a list endpoint returns (k). */
  maxK: 100,
  /** Most locales in an item's titles or descriptions, and markets in its prices. */
  maxLocales: 32,
  maxMarkets: 64,
  /** Most result ids a search event may carry. */
  maxSearchResults: 200,
});
