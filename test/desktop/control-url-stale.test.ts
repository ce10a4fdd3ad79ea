// The desktop app and a control-url a killed app (kill -9) left in its data folder: removed as
// the next start holds the folder's lock, with the control server off too, so the client is
// not sent (with the folder's token) to a port that is nobody's now, or another program's.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { desktopUserData, launchDesktop, removeBuildCopy, type DesktopApp } from './desktop-app';

let app: DesktopApp | undefined;
afterAll(async () => {
  await app?.kill();
  if (app) rmSync(app.userData, { recursive: true, force: true });
  removeBuildCopy();
});

describe("a killed desktop app's control-url", () => {
  it('is gone once the next start shows its window, without a control server of its own', async () => {
    const userData = desktopUserData();
    writeFileSync(join(userData, 'control-url'), 'http://127.0.0.1:1\n');
    app = await launchDesktop(userData);
    expect(existsSync(join(userData, 'control-url'))).toBe(false);
  });
});
