/**
 * Issue 10, item 8: the renderer's error-code mirrors are the table's codes
 * (src/shared/error-codes.ts): the admin views handle every code of the backend client, and
 * the codes the dashboard makes itself are the table's `dashboard` rows.
 */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, errorCodesOf } from '../../src/shared/error-codes';
import { BACKEND_ERROR_CODES } from '../../src/renderer/src/admin/admin-errors';
import { CLIENT_ERROR_CODES } from '../../src/renderer/src/api/envelope';

describe("the renderer's error codes", () => {
  it('name every code of the backend client, and the dashboard rows of the table', () => {
    expect(Object.values(BACKEND_ERROR_CODES).sort()).toEqual(errorCodesOf('backend-client').sort());
    expect(Object.values(CLIENT_ERROR_CODES).filter((c) => ERROR_CODES[c].source === 'dashboard')).toEqual(
      errorCodesOf('dashboard'),
    );
  });
});
