type Growable = Int32Array<ArrayBuffer> | Float64Array<ArrayBuffer> | Float32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>;
type Constructor<T> = new (length: number) => T;

/**
 * `a` if it already holds `minLength` elements, else a copy at least twice as long (so n appends
 * cost O(n) in all) whose new tail is `fill`. The one way typed-array columns grow in Meridian.
 */
export function grow<T extends Growable>(a: T, minLength: number, fill = 0): T {
  if (minLength <= a.length) return a;
  const b = new (a.constructor as Constructor<T>)(Math.max(minLength, a.length * 2));
  b.set(a);
  if (fill !== 0) b.fill(fill, a.length);
  return b;
}
