import { MeridianError } from '../core/index.ts';

/** A bad factory option: a configuration mistake, reported at construction. */
export function checkInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new MeridianError('index_option_invalid', `${name} must be an integer >= ${min}, got ${String(value)}`, {
      field: name,
    });
  }
  return value;
}

/** A number in [min, max]; `min` itself is excluded when `openMin`. */
export function checkRange(name: string, value: number, min: number, max: number, openMin = false): number {
  if (!Number.isFinite(value) || value < min || value > max || (openMin && value === min)) {
    const range = `${openMin ? '(' : '['}${min}, ${max}]`;
    throw new MeridianError('index_option_invalid', `${name} must be in ${range}, got ${String(value)}`, { field: name });
  }
  return value;
}

/** A vector of the wrong length or with NaN/Infinity would poison the index; refuse it early. */
export function checkVector(what: string, v: Float32Array, dim: number): void {
  if (v.length !== dim) {
    throw new MeridianError('vector_dim_mismatch', `${what} has ${v.length} dimensions, the index has ${dim}`, {
      statusCode: 400,
    });
  }
  for (let i = 0; i < dim; i++) {
    if (!Number.isFinite(v[i] as number)) {
      throw new MeridianError('vector_not_finite', `${what} has a non-finite component at ${i}`, { statusCode: 400 });
    }
  }
}
