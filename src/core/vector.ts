/** Dense vector helpers over Float32Array; no allocation unless the name says so. */
export function dot(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

export function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}

/** Scales `a` in place to unit length; a zero vector stays zero. Returns `a`. */
export function normalizeInPlace(a: Float32Array): Float32Array {
  const n = norm(a);
  if (n > 0) for (let i = 0; i < a.length; i++) a[i] = (a[i] as number) / n;
  return a;
}

/** a += w * b, in place. */
export function addScaled(a: Float32Array, b: Float32Array, w: number): void {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) a[i] = (a[i] as number) + w * (b[i] as number);
}

export function normalizedCopy(a: Float32Array): Float32Array {
  return normalizeInPlace(Float32Array.from(a));
}
