import type { StepResult } from '../../../shared/api';
import { formatDuration } from '../../../shared/util/duration';

const LABEL: Record<StepResult['status'], string> = {
  pending: 'Not run',
  running: 'Running',
  passed: 'Passed',
  failed: 'Failed',
  checked: 'Done',
  skipped: 'Skipped',
  cancelled: 'Cancelled',
  manual: 'Done manually',
  interrupted: 'Interrupted',
  unknown: 'Unknown outcome',
};

/** Status, exit code and duration of a step, as one compact chip. */
export function StatusChip({ result, kind }: { result: StepResult; kind: 'check' | 'command' }) {
  if (kind === 'check' && result.status === 'pending') return null;
  const warned = result.status === 'passed' && result.failedCommands.length > 0;
  const parts = [warned ? 'Passed with failing commands' : LABEL[result.status]];
  if (result.exitCode !== null) parts.push(`exit ${result.exitCode}`);
  if (result.durationMs !== null) parts.push(formatDuration(result.durationMs));
  return (
    <span
      className={`chip chip-${result.status}${warned ? ' chip-warned' : ''}`}
      data-testid="step-status"
      data-status={result.status}
      data-exit-code={result.exitCode ?? ''}
    >
      {result.status === 'running' && <span className="spinner" aria-hidden />}
      {parts.join(' · ')}
    </span>
  );
}
