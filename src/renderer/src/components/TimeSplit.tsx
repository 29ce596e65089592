import type { RunState } from '../../../shared/api';
import { runTimes, timeSplitText, type TimeSplitText } from '../../../shared/model';

/** What each part of a run's time is, for the tooltip and for assistive tools. */
const EXPLAINED =
  'Step time: while a step was running (a step on several hosts at once counts once). ' +
  'Between steps: the rest, where people read, decide, tick items and type at the prompt. ' +
  'Interrupted: the app was not running. The parts add up to the total.';

/** A run's time split as the header shows it: "12 min 0 s · steps 3 min 20 s · between 8 min 40 s". */
export function timeSplitOf(run: RunState, now: number): TimeSplitText {
  return timeSplitText(runTimes(run, now));
}

/**
 * The total, then the split (steps, between steps, interrupted), adding up to it. `compact`
 * lets a narrow header drop the split (Details still has it).
 */
export function TimeSplit({
  split,
  compact = false,
  testId,
}: {
  split: TimeSplitText;
  compact?: boolean;
  testId: string;
}) {
  const parts = [
    `steps ${split.steps}`,
    `between ${split.between}`,
    ...(split.interrupted ? [`interrupted ${split.interrupted}`] : []),
  ];
  return (
    <span
      className={`time-split${compact ? ' time-split-compact' : ''}`}
      title={`${split.total}: ${parts.join(', ')}.\n${EXPLAINED}`}
      data-testid={testId}
    >
      <span className="time-split-total">{split.total}</span>
      <span className="time-split-parts">
        {parts.map((part) => (
          <span key={part}>
            <span aria-hidden className="time-split-sep">
              {' · '}
            </span>
            {part}
          </span>
        ))}
      </span>
    </span>
  );
}
