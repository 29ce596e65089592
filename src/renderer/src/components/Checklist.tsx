import { useMemo, useState } from 'react';
import type { RunState } from '../../../shared/api';
import { actionableSteps, isDone, type Runbook, type Section } from '../../../shared/model';
import { Markdown } from './Markdown';
import { StepCard, type StepActions } from './StepCard';

interface Props {
  runbook: Runbook;
  run: RunState | null;
  busySteps: string[];
  /** Inventory hosts and groups a step can be moved to. */
  targets: string[];
  /** This machine's name: a run on it is shown as "this machine". */
  localHost: string | null;
  /** A past run, shown as it ended: nothing can be changed. */
  readOnly?: boolean;
  actions: StepActions;
}

/** The runbook in reading order: headings, prose, and every step with its state in the run. */
export function Checklist({
  runbook,
  run,
  busySteps,
  targets,
  localHost,
  readOnly = false,
  actions,
}: Props) {
  const steps = useMemo(() => new Map(runbook.steps.map((s) => [s.id, s])), [runbook]);
  const sections = useMemo(() => new Map(runbook.sections.map((s) => [s.id, s])), [runbook]);
  // The step the keyboard is on (the checklist's one Tab stop): where the focus last was,
  // else the first step not done yet.
  const [focused, setFocused] = useState<string | null>(null);
  const navigable = useMemo(() => actionableSteps(runbook), [runbook]);
  const current =
    navigable.find((s) => s.id === focused)?.id ??
    navigable.find((s) => !isDone(run?.steps[s.id]?.status))?.id ??
    navigable[0]?.id ??
    null;
  const runLocked =
    Boolean(run?.runningStepId) || (run?.status !== undefined && run.status !== 'active');
  const errors = runbook.warnings.filter((w) => w.severity === 'error');
  const warnings = runbook.warnings.filter((w) => w.severity !== 'error');

  return (
    <article className="checklist" data-testid="checklist">
      {errors.length > 0 && (
        <div className="banner banner-problems" role="alert" data-testid="runbook-errors">
          <strong>
            {errors.length === 1 ? 'An error' : `${errors.length} errors`} in this runbook
          </strong>
          {errors.map((w) => (
            <div key={`${w.line}-${w.message}`}>
              Line {w.line}: {w.message}
            </div>
          ))}
        </div>
      )}
      {warnings.length > 0 && (
        <div className="banner banner-warn" data-testid="runbook-warnings">
          {warnings.map((w) => (
            <div key={`${w.line}-${w.message}`}>
              Line {w.line}: {w.message}
            </div>
          ))}
        </div>
      )}
      {runbook.blocks.map((block, index) => {
        if (block.kind === 'heading') {
          const section = sections.get(block.sectionId);
          if (!section || (section.level === 1 && index === firstHeadingIndex(runbook)))
            return null;
          return (
            <SectionHeading key={block.sectionId} section={section} runbook={runbook} run={run} />
          );
        }
        if (block.kind === 'prose') {
          return (
            <div
              key={`p-${block.line}-${index}`}
              className="prose"
              style={{ marginLeft: `${block.depth * 20}px` }}
            >
              <Markdown source={block.markdown} onLink={actions.openLink} />
            </div>
          );
        }
        const step = steps.get(block.stepId);
        if (!step) return null;
        return (
          <StepCard
            key={step.id}
            step={step}
            result={run?.steps[step.id] ?? null}
            variables={run?.variables ?? {}}
            targets={readOnly ? [] : targets}
            movedTo={run?.stepTargets[step.id] ?? null}
            runHost={run ? (run.host === localHost ? 'this machine' : run.host) : null}
            held={run?.heldStepId === step.id}
            rehearsal={Boolean(run?.rehearsal)}
            runLocked={runLocked}
            busy={readOnly || busySteps.includes(step.id) || run?.status === 'finished'}
            readOnly={readOnly}
            current={step.id === current}
            onFocusStep={setFocused}
            actions={actions}
          />
        );
      })}
    </article>
  );
}

function firstHeadingIndex(runbook: Runbook): number {
  return runbook.blocks.findIndex((b) => b.kind === 'heading');
}

function SectionHeading({
  section,
  runbook,
  run,
}: {
  section: Section;
  runbook: Runbook;
  run: RunState | null;
}) {
  const Tag = `h${Math.min(section.level + 1, 6)}` as 'h2';
  const own = actionableSteps(runbook).filter((s) => s.section === section.id);
  const done = run ? own.filter((s) => isDone(run.steps[s.id]?.status)).length : 0;
  return (
    <Tag className={`section-heading level-${section.level}`} id={`section-${section.id}`}>
      <span>{section.title}</span>
      {section.cadence && <span className="badge">{section.cadence}</span>}
      {own.length > 0 && run && (
        <span className={`section-count${done === own.length ? ' is-complete' : ''}`}>
          {done}/{own.length}
        </span>
      )}
    </Tag>
  );
}
