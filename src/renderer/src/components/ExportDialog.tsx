import { useEffect, useState } from 'react';
import type { MethodOutput, RunsheetApi } from '../../../shared/api';
import { ModalDialog } from './ModalDialog';

type Format = 'md' | 'jira' | 'json' | 'csv';
const TRACKER_LABELS = { redmine: 'Redmine', github: 'GitHub', gitlab: 'GitLab', jira: 'Jira' };
const FORMATS: Array<[Format, string]> = [
  ['md', 'Markdown (GitHub, GitLab)'],
  ['jira', 'Jira markup'],
  ['json', 'JSON'],
  ['csv', 'CSV'],
];

/**
 * Export a run: pick a format, see exactly what leaves (with what was redacted,
 * by rule), then copy it or save it beside the maintenance log.
 */
export function ExportDialog({
  api,
  runId,
  onClose,
  onError,
}: {
  api: RunsheetApi;
  runId: string;
  onClose(): void;
  onError(error: unknown): void;
}) {
  const [format, setFormat] = useState<Format>('md');
  const [result, setResult] = useState<{ format: Format; out: MethodOutput<'run.export'> } | null>(
    null,
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [trackers, setTrackers] = useState<MethodOutput<'tracker.list'>>([]);
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState<MethodOutput<'run.push'> | null>(null);
  /** Tokens being typed, by tracker. */
  const [tokens, setTokens] = useState<Record<string, string>>({});
  useEffect(() => {
    api.call('tracker.list', {}).then(setTrackers, onError);
  }, [api, onError]);
  useEffect(() => {
    api.call('run.export', { runId, format }).then((out) => setResult({ format, out }), onError);
  }, [api, runId, format, onError]);
  const out = result?.format === format ? result.out : null;
  const redacted = out ? Object.entries(out.redactions) : [];

  return (
    <ModalDialog
      title="Export the run"
      wide
      onClose={onClose}
      testId="export-dialog"
      actions={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Close
          </button>
          {trackers.map((t) => (
            <button
              key={t.name}
              type="button"
              className="btn btn-secondary"
              disabled={sending || !t.hasToken}
              title={
                t.hasToken
                  ? `An issue in ${t.url} (project ${t.project}) with the Markdown log attached`
                  : `No ${TRACKER_LABELS[t.name]} token: set RUNSHEET_${t.name.toUpperCase()}_TOKEN where Runsheet runs`
              }
              onClick={() => {
                setSending(true);
                api
                  .call('run.push', { runId, tracker: t.name })
                  .then(setSent, onError)
                  .finally(() => setSending(false));
              }}
              data-testid={`push-${t.name}`}
            >
              {sending ? 'Sending…' : `Send to ${TRACKER_LABELS[t.name]}`}
            </button>
          ))}
          <button
            type="button"
            className="btn btn-secondary"
            disabled={!out}
            onClick={() =>
              api
                .call('run.saveExport', { runId, format })
                .then(({ path }) => setNotice(`Saved to ${path}`), onError)
            }
            data-testid="save-export"
          >
            Save beside the log
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!out}
            onClick={() =>
              navigator.clipboard
                .writeText(out!.content)
                .then(() => setNotice('Copied to the clipboard'), onError)
            }
            data-testid="copy-export"
          >
            Copy
          </button>
        </>
      }
    >
      <div className="export-head">
        <label className="run-target">
          <span className="muted">Format</span>
          <select
            value={format}
            onChange={(e) => {
              setFormat(e.target.value as Format);
              setNotice(null);
            }}
            data-testid="export-format"
          >
            {FORMATS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {out && <span className="muted">{out.filename}</span>}
      </div>
      <div
        className={`export-redactions${redacted.length === 0 ? ' muted' : ''}`}
        data-testid="export-redactions"
      >
        {!out
          ? 'Preparing…'
          : redacted.length === 0
            ? 'Nothing in this export matched a secret, a token pattern or a workspace pattern.'
            : `Redacted before export: ${redacted.map(([rule, n]) => `${n} × ${rule}`).join(', ')}`}
      </div>
      <pre className="export-preview" data-testid="export-preview">
        {out?.content ?? ''}
      </pre>
      {trackers
        .filter((t) => !t.hasToken)
        .map((t) => (
          <form
            key={t.name}
            className="token-form"
            onSubmit={(e) => {
              e.preventDefault();
              api
                .call('tracker.setToken', { tracker: t.name, token: tokens[t.name] ?? '' })
                .then(() => api.call('tracker.list', {}))
                .then((list) => {
                  setTrackers(list);
                  setTokens((all) => ({ ...all, [t.name]: '' }));
                }, onError);
            }}
          >
            <label className="auth-field">
              <span>
                {TRACKER_LABELS[t.name]} token (kept in the OS keychain; or set RUNSHEET_
                {t.name.toUpperCase()}_TOKEN)
              </span>
              <input
                type="password"
                autoComplete="off"
                value={tokens[t.name] ?? ''}
                onChange={(e) => setTokens((all) => ({ ...all, [t.name]: e.target.value }))}
                data-testid={`token-${t.name}`}
              />
            </label>
            <button type="submit" className="btn btn-ghost btn-small" disabled={!tokens[t.name]}>
              Save token
            </button>
          </form>
        ))}
      {sent && (
        <p className="muted" role="status" data-testid="push-result">
          {sent.status === 'sent' ? (
            <>
              Filed as issue #{sent.issueId}:{' '}
              <a href={sent.url} target="_blank" rel="noreferrer" data-testid="issue-link">
                {sent.url}
              </a>
            </>
          ) : (
            `Not sent yet (${sent.reason}); it is queued and goes out when Redmine answers.`
          )}
        </p>
      )}
      {notice && (
        <p className="muted" role="status" data-testid="export-notice">
          {notice}
        </p>
      )}
    </ModalDialog>
  );
}
