import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

/** A rectangle in screen coordinates (device-independent pixels), as Electron gives them. */
export interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

const BoundsSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

/**
 * What the shell remembers between runs (`window-state.json` in the user data folder):
 * the window's last normal (not maximised) bounds, whether it was maximised, and whether
 * the user was already told that closing the window quits (no tray).
 */
const WindowStateSchema = z.object({
  bounds: BoundsSchema.optional(),
  maximized: z.boolean().optional(),
  noTrayNoticeShown: z.boolean().optional(),
});
export type WindowState = z.infer<typeof WindowStateSchema>;

/**
 * The window state file. Reads are forgiving (a missing, unreadable or invalid file is an
 * empty state); writes are atomic (a temporary file renamed over the old one), so a crash
 * mid-write never leaves half a file.
 */
export class WindowStateFile {
  private state: WindowState;

  constructor(private readonly path: string) {
    this.state = WindowStateFile.read(path);
  }

  private static read(path: string): WindowState {
    try {
      const parsed = WindowStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
      return parsed.success ? parsed.data : {};
    } catch {
      return {};
    }
  }

  /** The state as loaded or last updated. */
  get(): WindowState {
    return { ...this.state };
  }

  /**
   * Merges `patch` into the state and writes the file. A failed write (read-only disk) is
   * reported to `onError` and otherwise ignored: losing the window position is no reason to
   * fail.
   */
  update(patch: Partial<WindowState>, onError: (err: unknown) => void = () => undefined): void {
    this.state = { ...this.state, ...patch };
    const tmp = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      writeFileSync(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (err) {
      onError(err);
    }
  }
}

/** The part of a display a window may use (Electron's `Display.workArea`). */
export interface DisplayArea {
  workArea: Bounds;
}

/** How much of the window's top edge (where the title bar is) must be on a display, px. */
const MIN_VISIBLE_WIDTH = 100;
const TITLE_BAR_HEIGHT = 32;

/**
 * The remembered bounds if the window would be reachable with them, else undefined (the
 * window then opens at its default size, centred). Reachable: a strip of the window's top
 * edge, at least 100 px wide and the title bar's height, lies on the work area of one of
 * the current displays (a monitor that was unplugged, or a resolution that shrank, leaves
 * bounds that would put the window out of sight). The size is capped to that display's
 * work area.
 */
export function visibleBounds(saved: Bounds | undefined, displays: readonly DisplayArea[]): Bounds | undefined {
  if (!saved) return undefined;
  for (const { workArea: area } of displays) {
    const left = Math.max(saved.x, area.x);
    const right = Math.min(saved.x + saved.width, area.x + area.width);
    const top = Math.max(saved.y, area.y);
    const bottom = Math.min(saved.y + TITLE_BAR_HEIGHT, area.y + area.height);
    const visibleWidth = right - left;
    if (visibleWidth >= Math.min(MIN_VISIBLE_WIDTH, saved.width) && bottom - top >= TITLE_BAR_HEIGHT) {
      return {
        x: saved.x,
        y: saved.y,
        width: Math.min(saved.width, area.width),
        height: Math.min(saved.height, area.height),
      };
    }
  }
  return undefined;
}
