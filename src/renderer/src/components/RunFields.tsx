import { useState } from 'react';
import type { RunState } from '../../../shared/api';

type Fields = Pick<RunState, 'maintainer' | 'environment' | 'issues' | 'nextActions'>;

/**
 * The log's operator fields (Maintainer, Environment, Issues, Next Actions),
 * editable during and after the run; each is saved when the field loses focus.
 * A field changed elsewhere (another window, the core) follows; fields being
 * typed in keep their text.
 */
export function RunFields({
  run,
  onSave,
}: {
  run: RunState;
  onSave(fields: Partial<Fields>): void;
}) {
  const [draft, setDraft] = useState<Fields>(() => pick(run));
  const [seen, setSeen] = useState<Fields>(() => pick(run));
  const now = pick(run);
  const changed = KEYS.filter((k) => now[k] !== seen[k]);
  if (changed.length > 0) {
    // Adjusting state while rendering (React's pattern for following props): only what changed.
    setSeen(now);
    setDraft((d) => ({ ...d, ...Object.fromEntries(changed.map((k) => [k, now[k]])) }));
  }
  const save = (key: keyof Fields) => () => {
    if (draft[key] !== run[key]) onSave({ [key]: draft[key] });
  };
  const field = (key: keyof Fields, label: string, multiline = false) => (
    <label className={`field${multiline ? ' field-wide' : ''}`}>
      <span>{label}</span>
      {multiline ? (
        <textarea
          rows={3}
          value={draft[key]}
          placeholder={
            key === 'issues'
              ? 'None recorded (failed steps are listed by themselves)'
              : 'None recorded'
          }
          onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
          onBlur={save(key)}
          data-testid={`field-${key}`}
        />
      ) : (
        <input
          value={draft[key]}
          onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
          onBlur={save(key)}
          data-testid={`field-${key}`}
        />
      )}
    </label>
  );
  return (
    <div className="run-fields" data-testid="run-fields">
      {field('maintainer', 'Maintainer')}
      {field('environment', 'Environment')}
      {field('issues', 'Issues', true)}
      {field('nextActions', 'Next actions', true)}
    </div>
  );
}

const KEYS: Array<keyof Fields> = ['maintainer', 'environment', 'issues', 'nextActions'];

function pick(run: RunState): Fields {
  return {
    maintainer: run.maintainer,
    environment: run.environment,
    issues: run.issues,
    nextActions: run.nextActions,
  };
}
