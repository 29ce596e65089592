import { ApiError } from '../../shared/api/errors';
import {
  isProduction,
  stepsToConfirm,
  type Confirmation,
  type RunState,
  type Step,
} from '../../shared/model';

/**
 * Whether steps may run as asked, and what the journal keeps of it: a step that
 * asks (destructive, or `confirm=true`) needs `confirmed`; where the run, a host
 * of the steps or a rehearsal's target is production, the operator must also type
 * that environment's name, as a forge asks for a repository's name before deleting it.
 * A rehearsal on production asks for the name for every step, flagged or not.
 * Throws naming the steps and reasons; returns null when nothing had to be asked.
 */
export function confirmationFor(
  steps: Step[],
  run: Pick<RunState, 'environment' | 'rehearsal' | 'maintainer'>,
  answer: { confirmed?: boolean; typed?: string },
  hostEnvironments: Array<string | null>,
  by: string,
): Omit<Confirmation, 'at'> | null {
  const rehearsal = run.rehearsal !== null;
  const asking = stepsToConfirm(steps, rehearsal);
  const production =
    [run.environment, run.rehearsal?.target ?? null, ...hostEnvironments].find(isProduction) ??
    null;
  const mustType = production !== null && (asking.length > 0 || rehearsal) ? production : null;
  if (asking.length === 0 && mustType === null) return null;
  const why = asking.flatMap((a) => a.reasons).join('; ');
  if (mustType !== null && (!answer.confirmed || answer.typed?.trim() !== mustType))
    throw new ApiError(
      'forbidden',
      `this runs in ${mustType}: type "${mustType}" to confirm (${why || 'a rehearsal step'})`,
    );
  if (!answer.confirmed) throw new ApiError('forbidden', `confirmation needed: ${why}`);
  return {
    by,
    environment: mustType ?? run.environment,
    typed: mustType,
    steps: asking.map(({ step, reasons }) => ({ stepId: step.id, line: step.line, reasons })),
  };
}
