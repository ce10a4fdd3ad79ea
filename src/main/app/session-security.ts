import type { App, Session } from 'electron';
import { withCspHeader } from './csp';

/** The only permission a page may get: writing text to the clipboard (a copy button). */
const ALLOWED_PERMISSIONS = new Set(['clipboard-sanitized-write']);

/**
 * Hardens a session (the default one holds the dashboard): every response carries our CSP
 * header (replacing any the response had; the page's meta tag says the same), and web
 * permissions (camera, geolocation, notifications from the page, …) are refused except a
 * clipboard write.
 */
export function hardenSession(
  session: Pick<Session, 'webRequest' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>,
): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCspHeader(details.responseHeaders) });
  });
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    callback(ALLOWED_PERMISSIONS.has(permission));
  });
  session.setPermissionCheckHandler((_contents, permission) => ALLOWED_PERMISSIONS.has(permission));
}

/**
 * A net under every web contents the app ever creates (not only the dashboard window, whose
 * own handlers come on top): no `<webview>`, no new windows, no navigation.
 */
export function denyUnexpectedContents(app: Pick<App, 'on'>): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}
