import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { parseInput } from './errors';

/** Largest page a list route returns (`?limit` upper bound). */
export const MAX_LIMIT = 500;

/** A page request. `limit` undefined = the whole list (the contract makes paging optional). */
export interface Page {
  limit: number | undefined;
  offset: number;
}

const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional(),
  offset: z.coerce.number().int().min(0).optional(),
});

/**
 * Reads `?limit=1..500&offset=n` from a parsed query string; other parameters are ignored.
 * @throws ApiError 400 VALIDATION_FAILED for a bad value (`limit=0`, `offset=-1`, `limit=x`).
 */
export function parsePage(query: unknown): Page {
  const q = parseInput(PageQuery, query ?? {}, 'query');
  return { limit: q.limit, offset: q.offset ?? 0 };
}

/** Sets `X-Total-Count` (the size of the whole list, not of the page). */
export function setTotalCount(reply: FastifyReply, total: number): void {
  void reply.header('X-Total-Count', String(total));
}
