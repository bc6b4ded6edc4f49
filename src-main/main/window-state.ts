// Window position and size restored across launches, clamped to the displays that exist now (a window saved
// on a detached monitor must not open off-screen).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export const WindowState = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(400).max(20000),
  height: z.number().int().min(300).max(20000),
  maximized: z.boolean().default(false),
});
export type WindowState = z.infer<typeof WindowState>;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_SIZE = { width: 1400, height: 900 };

/** The saved bounds if most of the window lies on some display's work area, else null (centre a default window). */
export function restoreBounds(saved: WindowState | null, workAreas: Rect[]): WindowState | null {
  if (!saved) return null;
  for (const a of workAreas) {
    const w = Math.min(saved.width, a.width);
    const h = Math.min(saved.height, a.height);
    const ox = Math.max(0, Math.min(saved.x + w, a.x + a.width) - Math.max(saved.x, a.x));
    const oy = Math.max(0, Math.min(saved.y + h, a.y + a.height) - Math.max(saved.y, a.y));
    if (ox * oy >= 0.5 * w * h) {
      return { ...saved, width: w, height: h, x: Math.min(Math.max(saved.x, a.x), a.x + a.width - w), y: Math.min(Math.max(saved.y, a.y), a.y + a.height - h) };
    }
  }
  return null;
}

export function loadWindowState(file: string): WindowState | null {
  if (!existsSync(file)) return null;
  try {
    return WindowState.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

export function saveWindowState(file: string, s: WindowState): void {
  writeFileSync(file, JSON.stringify(WindowState.parse(s)));
}
