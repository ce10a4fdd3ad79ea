import { describe, expect, it } from 'vitest';
import { ControlServerLifecycle, type ControlServerParts } from '../../src/main/app/control-server-lifecycle';
import type { DesktopControlServer } from '../../src/main/app/desktop-control-server';

/** Parts whose start ends when the test says, recording what was done, in order. */
function parts(): { parts: ControlServerParts; done: string[]; listen: () => void; fail: (err: Error) => void } {
  const done: string[] = [];
  let listen!: () => void;
  let fail!: (err: Error) => void;
  const server: DesktopControlServer = {
    url: 'http://127.0.0.1:8000/',
    tokenPath: null,
    close: async () => void done.push('close'),
  };
  const started = new Promise<DesktopControlServer>((resolve, reject) => {
    listen = () => resolve(server);
    fail = reject;
  });
  return {
    done,
    listen,
    fail,
    parts: {
      start: () => {
        done.push('start');
        return started;
      },
      publish: () => void done.push('publish'),
      unpublish: () => void done.push('unpublish'),
      log: (text) => void done.push(`log: ${text}`),
    },
  };
}

describe('the desktop control server as the app quits', () => {
  it('started, then stopped: published while it listens, closed then unpublished', async () => {
    const p = parts();
    const lifecycle = new ControlServerLifecycle(p.parts);
    const started = lifecycle.start();
    p.listen();
    expect(await started).not.toBeNull();
    await lifecycle.stop();
    expect(p.done).toEqual(['start', 'publish', 'close', 'unpublish']);
  });

  it('a quit while the server is still starting: the stop waits for it, closes it, and control-url is never written', async () => {
    const p = parts();
    const lifecycle = new ControlServerLifecycle(p.parts);
    const started = lifecycle.start();
    const stopped = lifecycle.stop();
    p.listen();
    await stopped;
    expect(await started).toBeNull();
    expect(p.done).toEqual(['start', 'close']);
  });

  it('a listen that ends after the quit began but before the stop (services still stopping): closed, not published', async () => {
    const p = parts();
    const lifecycle = new ControlServerLifecycle(p.parts);
    const started = lifecycle.start();
    lifecycle.quitBegan();
    p.listen();
    expect(await started).toBeNull();
    expect(p.done).toEqual(['start', 'close']);
    await lifecycle.stop();
    expect(p.done).toEqual(['start', 'close']);
  });

  it("a killed supervisor's control-url is removed before the start, so the client is not sent to its port", async () => {
    const p = parts();
    const lifecycle = new ControlServerLifecycle(p.parts);
    lifecycle.clearStale();
    expect(p.done).toEqual(['unpublish']);
    const failing = new ControlServerLifecycle({
      ...p.parts,
      unpublish: () => {
        throw new Error('EROFS: read-only file system');
      },
    });
    failing.clearStale();
    expect(p.done).toEqual(['unpublish', 'log: cannot remove a stale control-url: EROFS: read-only file system']);
  });

  it('a quit before the start: nothing is started', async () => {
    const p = parts();
    const lifecycle = new ControlServerLifecycle(p.parts);
    await lifecycle.stop();
    expect(await lifecycle.start()).toBeNull();
    expect(p.done).toEqual([]);
  });

  it('a listen that fails is logged; the stop then has nothing to close or remove', async () => {
    const p = parts();
    const lifecycle = new ControlServerLifecycle(p.parts);
    const started = lifecycle.start();
    p.fail(new Error('listen EADDRINUSE'));
    expect(await started).toBeNull();
    await lifecycle.stop();
    expect(p.done).toEqual(['start', 'log: control server not started: listen EADDRINUSE']);
  });

  it('a control-url that cannot be written is logged and the server goes on', async () => {
    const p = parts();
    const lifecycle = new ControlServerLifecycle({
      ...p.parts,
      publish: () => {
        throw new Error('EROFS: read-only file system');
      },
    });
    const started = lifecycle.start();
    p.listen();
    expect(await started).not.toBeNull();
    await lifecycle.stop();
    expect(p.done).toEqual([
      'start',
      'log: cannot write control-url: EROFS: read-only file system',
      'close',
      'unpublish',
    ]);
  });
});
