import { describe, expect, it } from 'vitest';
import { isLoopbackPeer } from '../../src/main/server/route-access';

describe('isLoopbackPeer', () => {
  it('accepts the loopback addresses a local client connects from', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      expect(isLoopbackPeer(address), address).toBe(true);
    }
  });
  it('refuses every other peer, and an unknown one', () => {
    for (const address of [
      undefined,
      '',
      '10.0.0.5',
      '192.168.1.2',
      '::ffff:10.0.0.5',
      'fe80::1',
      '::',
      '0.0.0.0',
      '128.0.0.1',
      '127.0.0.1.evil',
    ]) {
      expect(isLoopbackPeer(address), String(address)).toBe(false);
    }
  });
});
