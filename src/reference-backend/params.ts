import { ApiError } from './errors';

/** Largest value of a PostgreSQL `integer` (the type of our numeric ids). */
export const INT4_MAX = 2_147_483_647;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `s` is a UUID (the form of user ids). */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/**
 * The `{id}` path parameter of an integer-id resource (orders, ingredients).
 * Anything that cannot be an id answers like an unknown id.
 * @throws ApiError 404 NOT_FOUND `<what> <raw> not found`.
 */
export function intIdParam(params: unknown, what: string): number {
  const raw = String((params as { id?: unknown } | undefined)?.id ?? '');
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(id >= 1 && id <= INT4_MAX)) throw notFound(what, raw);
  return id;
}

/**
 * The `{id}` path parameter of a user (a UUID, returned lower-cased).
 * @throws ApiError 404 NOT_FOUND when it is not a UUID.
 */
export function uuidParam(params: unknown, what: string): string {
  const raw = String((params as { id?: unknown } | undefined)?.id ?? '');
  if (!isUuid(raw)) throw notFound(what, raw);
  return raw.toLowerCase();
}

/** The 404 for an unknown id: `order 42 not found`. */
export function notFound(what: string, id: string | number): ApiError {
  return new ApiError(404, 'NOT_FOUND', `${what} ${String(id).slice(0, 100)} not found`);
}
