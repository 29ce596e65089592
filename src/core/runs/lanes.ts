/** The hosts of a running step, as Cancel and timeouts see them. */
import type { ManagedSession } from '../sessions/session-manager';
import type { LaneSignals } from './outcome';

/** After a timeout's Ctrl-C, how long a step has to stop before its shell is killed. */
const KILL_GRACE_MS = 3000;

/** A host's part of a running step: how to stop it, and what stopping it did. */
export interface Lane extends LaneSignals {
  interrupt(): void;
  kill(): void;
  timers: NodeJS.Timeout[];
}

/** The running step: its hosts' lanes, and whether it was cancelled. */
export interface Current {
  stepId: string;
  lanes: Set<Lane>;
  cancelled: boolean;
  /** A rollout waits before its next batch: `proceed` ends the wait (`ask`: the operator's go-ahead, by whom). */
  waiting?: { ask: boolean; proceed(by: string | undefined): void } | null;
}

/**
 * A host's part of the running step, registered for Cancel: Ctrl-C once its
 * command runs; before that (connecting, waiting for the prompt) its shell is
 * closed, since nothing else would stop it.
 */
export function openLane(current: Current, session: ManagedSession, running: () => boolean): Lane {
  const lane: Lane = {
    cancelRequested: false,
    killed: false,
    timedOut: null,
    // Not running yet: a shell at its prompt gets Ctrl-C once the step is typed (runOn); one
    // still connecting or starting is closed.
    interrupt: () => {
      if (running()) session.shell.interrupt();
      else if (!session.shell.prompted) session.dispose();
    },
    kill: () => session.dispose(),
    timers: [],
  };
  current.lanes.add(lane);
  if (current.cancelled) {
    lane.cancelRequested = true;
    lane.interrupt();
  }
  return lane;
}

/**
 * `timeout=`: from when the command starts on this host (connecting is not the
 * step's time; SSH has its own connect timeout), Ctrl-C after `timeout`, and the
 * shell killed if that did not stop it within the grace period.
 */
export function armTimeout(lane: Lane, timeout: number | null): void {
  if (!timeout) return;
  lane.timers.push(
    setTimeout(() => {
      lane.timedOut = timeout;
      lane.cancelRequested = true;
      lane.interrupt();
      lane.timers.push(
        setTimeout(() => {
          lane.killed = true;
          lane.kill();
        }, KILL_GRACE_MS),
      );
    }, timeout),
  );
}

export function closeLane(current: Current, lane: Lane): void {
  for (const timer of lane.timers) clearTimeout(timer);
  current.lanes.delete(lane);
}
