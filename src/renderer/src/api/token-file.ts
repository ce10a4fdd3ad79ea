import { z } from 'zod';

/** The public route of the control server that says where its control token is (never the token). */
export const TOKEN_FILE_ROUTE = '/api/v1/token-file';

const TokenFileSchema = z.object({ path: z.string().min(1).nullable() });

/**
 * Where the server keeps its control token: the file's absolute path on the server, or
 * null when the token comes from `CONTROL_TOKEN` (there is no file). Asked without a token,
 * of this page's origin (the dashboard is served by the control server).
 * @throws when the server cannot be reached or answers something else.
 */
export async function fetchTokenFile(
  fetchFn: typeof fetch = globalThis.fetch.bind(globalThis),
): Promise<string | null> {
  const response = await fetchFn(TOKEN_FILE_ROUTE, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${TOKEN_FILE_ROUTE} answered HTTP ${response.status}`);
  return TokenFileSchema.parse(await response.json()).path;
}

/** `path` as one shell word: as is when it is plain, else in single quotes (`'it'\''s'`). */
export function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
