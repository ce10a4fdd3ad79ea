import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { readSmallFile } from '../core/small-file';
import { replaceFileSync } from '../core/replace-file';

/** Longest window state file read, bytes: a few numbers, with room to spare (a FIFO or /dev/zero there is not read). */
export const MAX_WINDOW_STATE_BYTES = 64 * 1024;

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
 * empty state, and a FIFO or a file past {@link MAX_WINDOW_STATE_BYTES} is not waited on);
 * writes are atomic (a fresh temporary file renamed over the old one), so a crash mid-write
 * never leaves half a file.
 */
export class WindowStateFile {
  private state: WindowState;

  constructor(private readonly path: string) {
    this.state = WindowStateFile.read(path);
  }

  private static read(path: string): WindowState {
    try {
      const text = readSmallFile(path, { maxBytes: MAX_WINDOW_STATE_BYTES });
      const parsed = WindowStateSchema.safeParse(JSON.parse(text));
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
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      replaceFileSync(this.path, `${JSON.stringify(this.state, null, 2)}\n`, 0o600);
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
