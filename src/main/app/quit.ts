import type { App } from 'electron';

/**
 * Makes quitting wait for the backend to stop: the first `before-quit` is held
 * (`preventDefault`), `shutdown()` stops the backend with SIGTERM → SIGKILL escalation,
 * then the app quits for real. No bare `process.exit`.
 */
export function holdQuitUntilStopped(
  app: Pick<App, 'on' | 'quit'>,
  shutdown: () => Promise<void>,
  onError: (err: unknown) => void = () => undefined,
): void {
  let state: 'running' | 'stopping' | 'done' = 'running';
  app.on('before-quit', (event) => {
    if (state === 'done') return;
    event.preventDefault();
    if (state === 'stopping') return;
    state = 'stopping';
    void shutdown()
      .catch(onError)
      .finally(() => {
        state = 'done';
        app.quit();
      });
  });
}
