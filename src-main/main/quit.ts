// Quitting with runs in flight: runs live in worker processes, so the user chooses what happens to them.
// Pure decision logic; index.ts shows the dialog and carries the plan out.
export type QuitChoice = 'pause' | 'stop' | 'stay';

export interface QuitPlan {
  /** Quit now (no running work, or after the actions below). */
  quit: boolean;
  /** Runs to pause (each writes a checkpoint and can resume after restart). */
  pause: string[];
  /** Runs to cancel. */
  cancel: string[];
}

export const QUIT_DIALOG = {
  message: 'Training runs are still in progress.',
  detail: 'Pause them (each writes a checkpoint and resumes later), stop them, or keep the app open.',
  buttons: ['Pause and quit', 'Stop and quit', 'Keep running'] as const,
};

export function planQuit(running: string[], choice: QuitChoice | null): QuitPlan {
  if (!running.length) return { quit: true, pause: [], cancel: [] };
  if (choice === 'pause') return { quit: true, pause: running, cancel: [] };
  if (choice === 'stop') return { quit: true, pause: [], cancel: running };
  return { quit: false, pause: [], cancel: [] };
}

export function choiceFromButton(index: number): QuitChoice {
  return index === 0 ? 'pause' : index === 1 ? 'stop' : 'stay';
}
