import fc from 'fast-check';

/** Strings a client may send: any UTF-16 units (lone surrogates included), controls, huge ones. */
export const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\u0007', '\n', '\t', '\ud800', '\udfff', '\u200b', '\ufeff', 'é', '|', ',', ' '), maxLength: 20 }),
  fc.constantFrom('', ' ', 'x\ud800', '\udc00y', 'a'.repeat(300), '../../etc/passwd', '{}', '%00', 'default', 'DE', 'de-DE'),
);

/** Numbers that break naive code: out-of-range times, fractions, infinities in disguise. */
export const hostileNumber = fc.oneof(
  fc.double({ noNaN: false }),
  fc.integer(),
  fc.constantFrom(0, -1, 1e21, 8.64e15, 8.64e15 + 1, Number.MAX_SAFE_INTEGER, 2 ** 53, Date.now() + 1e12, 1.5),
);

/** Any value a JSON body may hold at a field, hostile strings and deep nesting included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
  fc.integer({ min: 1, max: 200 }).map((depth) => nested(depth)),
);

/** `[[[…]]]`, `depth` deep. */
export function nested(depth: number): unknown {
  let v: unknown = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** True when every string in `v` (keys included) is well-formed UTF-16. */
export function wellFormedEverywhere(v: unknown): boolean {
  if (typeof v === 'string') return v.isWellFormed();
  if (Array.isArray(v)) return v.every(wellFormedEverywhere);
  if (typeof v === 'object' && v !== null) return Object.entries(v).every(([k, x]) => k.isWellFormed() && wellFormedEverywhere(x));
  return true;
}

/**
 * A query-string value as raw percent-encoded bytes: any byte, so invalid UTF-8 and encoded
 * lone surrogates (`%ED%A0%80`) reach the server as a browser or a script could send them.
 */
export const rawQueryValue = fc.oneof(
  hostileString.map((s) => encodeURIComponent(s.toWellFormed())),
  fc.uint8Array({ maxLength: 24 }).map((b) => [...b].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('%ED%A0%80', '%C0%AF', '%FF', '%', '%%', '1e400', '-0', 'NaN', 'Infinity', '[]', '10,20'),
);
