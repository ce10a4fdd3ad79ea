/**
 * Issue 10, item 8: one table of error codes (src/shared/error-codes.ts). Codes were plain
 * strings over eight files and a code missing from `httpStatusOf`'s switch silently answered
 * HTTP 500. This reads the sources: every error code written in src/ (outside the reference
 * backend, whose API has its own codes) must be a row of the table, and every status written
 * beside a code must be the table's. `httpStatusOf` must answer the table's status. The
 * renderer's mirrors are checked in renderer-error-codes.test.tsx.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode, type ErrorCode } from '../../src/shared/error-codes';
import { httpStatusOf } from '../../src/main/core/rpc';

const ROOT = new URL('../..', import.meta.url).pathname;
/** The reference backend is a separate program with its own API's codes (src/reference-backend/errors.ts). */
const SCANNED = ['src/main', 'src/shared', 'src/renderer/src', 'src/preload'];
const TABLE_FILE = 'src/shared/error-codes.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)))
    .filter((f) => f !== TABLE_FILE);
}
const FILES = SCANNED.flatMap(sourceFiles).map((file) => ({ file, text: readFileSync(join(ROOT, file), 'utf8') }));

/** Node's and undici's own error codes (`err.code === 'ENOENT'`), which are not ours. */
const isSystemCode = (code: string): boolean => /^E[A-Z0-9]+$/.test(code) || /^(EAI|ERR|UND_ERR|HPE)_/.test(code);

/** Where a code is written: `code: 'X'`, `code === 'X'`, `new …Error('X'` (or its last argument), `super('X'`, `refuse(reply, 4xx, 'X'`, `case 'X':`, a union member. */
const CODE_PATTERNS = [
  /\bcode\s*:\s*'([A-Z][A-Z0-9_]+)'/g,
  /\bcode\)?\s*[!=]==\s*'([A-Z][A-Z0-9_]+)'/g,
  /\bnew \w*Error\(\s*'([A-Z][A-Z0-9_]+)'/g,
  /\bnew \w*Error\([^;]*?,\s*'([A-Z][A-Z0-9_]+)',?\s*\)/g,
  /\bsuper\(\s*'([A-Z][A-Z0-9_]+)'/g,
  /\brefuse\(\s*\w+,\s*\d{3},\s*'([A-Z][A-Z0-9_]+)'/g,
  /\bcase '([A-Z][A-Z0-9_]+)':/g,
  /^\s*\|\s*'([A-Z][A-Z0-9_]+)'/gm,
  /^\s*\d{3}: '([A-Z][A-Z0-9_]+)'/gm,
];

/** Every `{ file, code }` written in the scanned sources. */
function codesInSources(): { file: string; code: string }[] {
  const found: { file: string; code: string }[] = [];
  for (const { file, text } of FILES) {
    for (const pattern of CODE_PATTERNS) {
      for (const m of text.matchAll(pattern)) if (!isSystemCode(m[1]!)) found.push({ file, code: m[1]! });
    }
  }
  return found;
}

/** Every status written beside a code: `refuse(reply, 403, 'X'`, `403: 'X'` maps, `.code(503).send({… code: 'X'`. */
function statusPairsInSources(): { file: string; code: string; status: number }[] {
  const patterns = [
    /\brefuse\(\s*\w+,\s*(\d{3}),\s*'([A-Z][A-Z0-9_]+)'/g,
    /^\s*(\d{3}): '([A-Z][A-Z0-9_]+)'/gm,
    /\.code\((\d{3})\)\.send\(\{[^;]*?\bcode: '([A-Z][A-Z0-9_]+)'/g,
  ];
  const pairs: { file: string; code: string; status: number }[] = [];
  for (const { file, text } of FILES) {
    for (const pattern of patterns) {
      for (const m of text.matchAll(pattern)) pairs.push({ file, status: Number(m[1]), code: m[2]! });
    }
  }
  return pairs;
}

describe('the error code table', () => {
  it('lists every error code the sources write', () => {
    const found = codesInSources();
    // The scan itself works: it sees codes of every kind of place.
    for (const code of [
      'UNKNOWN_CHANNEL',
      'COMMAND_NOT_FOUND',
      'SETTINGS_FILE_INVALID',
      'BACKEND_TIMEOUT',
      'MISDIRECTED',
    ]) {
      expect(found.map((f) => f.code)).toContain(code);
    }
    expect(found.filter((f) => !isErrorCode(f.code))).toEqual([]);
  });

  it('has the status every answer writes beside its code', () => {
    const pairs = statusPairsInSources();
    expect(pairs.length).toBeGreaterThanOrEqual(5);
    const wrong = pairs.filter((p) => !isErrorCode(p.code) || ERROR_CODES[p.code].status !== p.status);
    expect(wrong).toEqual([]);
  });

  it('has no row that nothing in the sources uses', () => {
    const unused = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
      (code) => !FILES.some(({ text }) => text.includes(`'${code}'`)),
    );
    expect(unused).toEqual([]);
  });

  it('gives httpStatusOf its statuses: the same as before the table, and 500 for a code it lacks', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const { status } = ERROR_CODES[code];
      expect({ code, status: httpStatusOf(code) }).toEqual({ code, status: status ?? 500 });
    }
    // The statuses the RPC route and the REST commands answered before the table (issue 10).
    expect(
      Object.fromEntries(
        [
          'BAD_ARGUMENTS',
          'UNAUTHORIZED',
          'FORBIDDEN',
          'UNKNOWN_CHANNEL',
          'REMOTE_MODE',
          'DISPOSED',
          'SETTINGS_FILE_INVALID',
          'SETTINGS_UNAVAILABLE',
          'NOT_AVAILABLE',
          'NOT_LOGGED_IN',
          'SESSION_EXPIRED',
          'BACKEND_UNAUTHORIZED',
          'BACKEND_TIMEOUT',
          'BACKEND_UNREACHABLE',
          'BACKEND_HTTP',
          'BACKEND_INVALID_RESPONSE',
          'BACKEND_RESPONSE_TOO_LARGE',
          'INTERNAL',
          'SPAWN_FAILED',
        ].map((c) => [c, httpStatusOf(c)]),
      ),
    ).toEqual({
      BAD_ARGUMENTS: 400,
      UNAUTHORIZED: 401,
      FORBIDDEN: 403,
      UNKNOWN_CHANNEL: 404,
      REMOTE_MODE: 409,
      DISPOSED: 409,
      SETTINGS_FILE_INVALID: 409,
      SETTINGS_UNAVAILABLE: 501,
      NOT_AVAILABLE: 501,
      NOT_LOGGED_IN: 403,
      SESSION_EXPIRED: 403,
      BACKEND_UNAUTHORIZED: 403,
      BACKEND_TIMEOUT: 504,
      BACKEND_UNREACHABLE: 502,
      BACKEND_HTTP: 502,
      BACKEND_INVALID_RESPONSE: 502,
      BACKEND_RESPONSE_TOO_LARGE: 502,
      INTERNAL: 500,
      SPAWN_FAILED: 500,
    });
    expect(httpStatusOf('NO_SUCH_CODE')).toBe(500);
    expect(httpStatusOf('__proto__')).toBe(500);
  });
});
