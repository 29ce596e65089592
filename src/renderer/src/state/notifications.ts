import { useEffect } from 'react';
import type { RunsheetApi, RunState } from '../../../shared/api';

/** Steps shorter than this finish while you watch; longer ones may deserve a notification. */
const LONG_STEP_MS = 10_000;

/**
 * When a long step finishes while the window is in the background, say so with
 * a system notification (asked for the first time a step runs).
 */
export function useStepNotifications(api: RunsheetApi): void {
  useEffect(() => {
    const running = new Map<string, string>();
    return api.on('run.didChange', (run: RunState) => {
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
    });
  }, [api]);
}
