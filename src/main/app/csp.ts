/**
 * The dashboard's Content Security Policy. The same text is in the `<meta>` tag of
 * src/renderer/index.html (a test keeps the two equal); the main process also sends it as a
 * response header, which covers what a meta tag cannot (it applies before any byte of the
 * page is parsed, and to every response of the session).
 * `style-src 'unsafe-inline'`: the component library sets element styles at run time. One
 * literal string, so a static scanner (electronegativity) can read it.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

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
