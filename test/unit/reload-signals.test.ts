/**
 * Issue 14, part 2: SIGHUP reloads (shutdown-signals.ts). On Linux and macOS it is no longer
 * a stop signal: takeReloadSignal takes it (removing the listeners modules put there on
 * import, which would end the process) and calls the reload each time; SIGINT and SIGTERM
 * still stop. On Windows, which has no reload signal, SIGHUP (the console closing) stops.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { stopSignalsOf, takeReloadSignal, takeStopSignals } from '../../src/main/core/shutdown-signals';

/** A process stand-in: the signal listeners only. */
const fakeProcess = (): NodeJS.Process => new EventEmitter() as unknown as NodeJS.Process;

describe('SIGHUP', () => {
  it('reloads on Linux, every time, and leaves the stop signals to stop', () => {
    const target = fakeProcess();
    const planted: string[] = [];
    target.on('SIGHUP', () => void planted.push('when-exit'));
    const stops: string[] = [];
    let reloads = 0;
    const untake = takeStopSignals(
      { stop: (s) => void stops.push(`stop ${s}`), force: (s) => void stops.push(`force ${s}`) },
      target,
      'linux',
    );
    const unreload = takeReloadSignal(() => void reloads++, target, 'linux');
    target.emit('SIGHUP', 'SIGHUP');
    target.emit('SIGHUP', 'SIGHUP');
    expect(reloads).toBe(2);
    expect(planted).toEqual([]);
    expect(stops).toEqual([]);
    target.emit('SIGTERM', 'SIGTERM');
    target.emit('SIGINT', 'SIGINT');
    expect(stops).toEqual(['stop SIGTERM', 'force SIGINT']);
    untake();
    unreload();
    expect(target.listenerCount('SIGHUP')).toBe(0);
    expect(target.listenerCount('SIGTERM')).toBe(0);
  });

  it('stops on Windows (its console closing), where there is no reload signal', () => {
    expect(stopSignalsOf('win32')).toContain('SIGHUP');
    expect(stopSignalsOf('linux')).not.toContain('SIGHUP');
    const target = fakeProcess();
    const stops: string[] = [];
    let reloads = 0;
    takeStopSignals({ stop: (s) => void stops.push(s), force: () => undefined }, target, 'win32');
    takeReloadSignal(() => void reloads++, target, 'win32');
    target.emit('SIGHUP', 'SIGHUP');
    expect(stops).toEqual(['SIGHUP']);
    expect(reloads).toBe(0);
  });
});
