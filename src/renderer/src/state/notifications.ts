import type { RunState } from '../../../shared/api';

/** Steps shorter than this finish while you watch; longer ones may deserve a notification. */
const LONG_STEP_MS = 10_000;

/** The step each run is running, to know which one a state without one has just finished. */
const running = new Map<string, string>();

/**
 * When a long step finishes while the window is in the background, say so with
 * a system notification (asked for the first time a step runs). Called with
 * every run state the core sends.
 */
export function notifyLongSteps(run: RunState): void {
  const was = running.get(run.id);
  if (run.runningStepId) {
    running.set(run.id, run.runningStepId);
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
      void Notification.requestPermission();
    }
    return;
  }
  running.delete(run.id);
  const result = was ? run.steps[was] : undefined;
  if (!result || (result.durationMs ?? 0) < LONG_STEP_MS || !document.hidden) return;
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  new Notification(`Step ${result.status} (exit ${result.exitCode ?? '?'})`, {
    body: `${run.runbookTitle}`,
    tag: run.id,
  });
}
