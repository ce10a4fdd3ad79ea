/**
 * The dashboard's Content Security Policy, one source for both places that serve the page:
 * the Electron window (src/main/app/csp.ts sets it as a response header) and the headless
 * control server (src/main/server/security-headers.ts). The same text is in the `<meta>` tag
 * of src/renderer/index.html (a test keeps the two equal).
 * `style-src 'unsafe-inline'`: the component library sets element styles at run time. One
 * literal string, so a static scanner (electronegativity) can read it.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/**
 * The policy as a response header adds `frame-ancestors 'none'`: no other page may frame the
 * dashboard (clickjacking; the headless dashboard keeps its token in localStorage). A `<meta>`
 * tag cannot carry `frame-ancestors` (browsers ignore it there), so only the header has it.
 */
export const CONTENT_SECURITY_POLICY_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;
