import { useMemo } from 'react';
import { groupOutputs, groupTitle, type HostResult } from '../../../shared/model';

/** Lines of a shown output or diff, at most. */
const SHOWN_LINES = 30;

/**
 * A fan-out's hosts grouped by output ("47 hosts: same output"), and each other output as a
 * diff against the majority's. Shown when some hosts share an output.
 */
export function OutputGroupsView({ hosts }: { hosts: Record<string, HostResult> }) {
  // Diffing is the costly part: once per change of the hosts' results, not per render.
  const grouped = useMemo(() => groupOutputs(hosts), [hosts]);
  if (!grouped || grouped.groups.every((g) => g.hosts.length === 1)) return null;
  return (
    <div className="output output-groups" data-testid="output-groups">
      {grouped.groups.map((g, i) => (
        <div key={g.hosts[0]} className="output-group" data-testid="output-group">
          <div className="host-output-title" title={g.hosts.join(', ')}>
            <span data-testid="output-group-title">{groupTitle(grouped, i)}</span>
            {g.hosts.length > 1 && (
              <span className="muted">
                {' '}
                · {g.hosts.slice(0, 8).join(', ')}
                {g.hosts.length > 8 ? `, … ${g.hosts.length - 8} more` : ''}
              </span>
            )}
          </div>
          {g.diff ? (
            <pre className="diff" data-testid="output-group-diff">
              {g.diff
                .replace(/\n$/, '')
                .split('\n')
                .slice(0, SHOWN_LINES)
                .map((line, n) => (
                  <span
                    key={n}
                    className={
                      line.startsWith('+') && !line.startsWith('+++')
                        ? 'diff-add'
                        : line.startsWith('-') && !line.startsWith('---')
                          ? 'diff-del'
                          : line.startsWith('@@')
                            ? 'diff-hunk'
                            : undefined
                    }
                  >
                    {line}
                    {'\n'}
                  </span>
                ))}
            </pre>
          ) : (
            <pre>{g.output.split('\n').slice(-SHOWN_LINES).join('\n') || '(no output)'}</pre>
          )}
        </div>
      ))}
    </div>
  );
}
