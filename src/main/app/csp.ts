import { CONTENT_SECURITY_POLICY } from '../../shared/csp';

/** The dashboard's Content Security Policy (defined once, in src/shared/csp.ts). */
export { CONTENT_SECURITY_POLICY };

/** Response headers (Electron's `Record<name, values>` shape). */
export type ResponseHeaders = Record<string, string[] | string>;

/**
 * The headers of a response with our CSP set; any CSP header the response carried (in any
 * letter case) is replaced, so a server cannot loosen it.
 */
export function withCspHeader(headers: ResponseHeaders | undefined): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}
