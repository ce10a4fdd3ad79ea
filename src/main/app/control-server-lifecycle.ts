/**
 * The desktop control server's life next to the app's: started once the app is ready,
 * published in `<data folder>/control-url` only while it listens, closed and unpublished as
 * the app quits, whatever the order (a quit may come while the server is still starting).
 * No Electron: the entry wires it.
 */
import { CONTROL_URL_FILE } from '../cli/control-url-file';
import type { DesktopControlServer } from './desktop-control-server';

/** What {@link ControlServerLifecycle} drives. */
export interface ControlServerParts {
  /** Starts the server; @throws the listen's error. */
  start(): Promise<DesktopControlServer>;
  /** Tells where it listens (writes control-url); @throws when it cannot. */
  publish(server: DesktopControlServer): void;
  /** Takes that back (removes control-url; a missing file is no error); @throws when it cannot. */
  unpublish(): void;
  /** Says what went wrong (or where the server listens) in the supervisor's log. */
  log(text: string): void;
}

/**
 * One start and one stop of the desktop control server. {@link stop} waits for a start under
 * way; a server whose listen ends after the stop began is closed at once and never published,
 * so no control-url is written after the quit began (it would outlive the app and point the
 * client, with this folder's token, at a port another program may take).
 */
export class ControlServerLifecycle {
  private starting: Promise<DesktopControlServer | null> | null = null;
  private stopping = false;

  constructor(private readonly parts: ControlServerParts) {}

  /**
   * Removes what a killed supervisor (kill -9) left published, before the start: with the data
   * folder's lock held, a control-url there is not a live supervisor's, and its port is nobody's
   * now or another program's, which the client would send this folder's token to. Logged when
   * it cannot be removed.
   */
  clearStale(): void {
    try {
      this.parts.unpublish();
    } catch (err) {
      this.parts.log(`cannot remove a stale ${CONTROL_URL_FILE}: ${(err as Error).message}`);
    }
  }

  /**
   * Starts the server and publishes it; resolves with it, or with null when it did not start
   * (logged) or the stop came first. Never rejects. A second call is the first's promise.
   */
  start(): Promise<DesktopControlServer | null> {
    this.starting ??= this.startOnce();
    return this.starting;
  }

  private async startOnce(): Promise<DesktopControlServer | null> {
    if (this.stopping) return null;
    let server: DesktopControlServer;
    try {
      server = await this.parts.start();
    } catch (err) {
      this.parts.log(`control server not started: ${(err as Error).message}`);
      return null;
    }
    if (this.stopping) {
      await server.close();
      return null;
    }
    try {
      this.parts.publish(server);
    } catch (err) {
      this.parts.log(`cannot write ${CONTROL_URL_FILE}: ${(err as Error).message}`);
    }
    return server;
  }

  /**
   * The quit began: a server still starting is closed as its listen ends, never published
   * (the app stops its services before {@link stop}, which may take a while).
   */
  quitBegan(): void {
    this.stopping = true;
  }

  /**
   * Closes the server (after a start under way ends) and unpublishes it. Idempotent.
   * @throws unpublish's error, after closing.
   */
  async stop(): Promise<void> {
    this.quitBegan();
    const server = await this.starting;
    if (!server) return;
    await server.close();
    this.parts.unpublish();
  }
}
