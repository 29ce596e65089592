import { useState } from 'react';
import { EXPORT_FORMATS, type ExportFormat, type TrackerName } from '../../../shared/model';
import type { Actions } from '../state/actions';
import type { ExportState } from '../state/store';
import { Markdown } from './Markdown';
import { ModalDialog } from './ModalDialog';

const TRACKER_LABELS: Record<TrackerName, string> = {
  redmine: 'Redmine',
  github: 'GitHub',
  gitlab: 'GitLab',
  jira: 'Jira',
};
const FORMAT_LABELS: Record<ExportFormat, string> = {
  md: 'Markdown (GitHub, GitLab)',
  jira: 'Jira markup',
  json: 'JSON',
  csv: 'CSV',
};

/**
 * Export a run: pick a format, see exactly what leaves (with what was redacted,
 * by rule), then copy it, save it beside the maintenance log, or file it; or save
 * the run's bundle (journal, output, log, recording, SHA256SUMS) beside the log. The
 * Markdown preview is rendered as the runbooks are (sanitised, links asked
 * about); the source is a toggle away. The other formats are text.
 */
export function ExportDialog({
  exporting,
  actions,
}: {
  exporting: ExportState;
  actions: Pick<
    Actions,
    | 'closeExport'
    | 'exportFormat'
    | 'saveExport'
    | 'saveBundle'
    | 'copyExport'
    | 'push'
    | 'saveToken'
    | 'openLink'
  >;
}) {
  const { format, result, trackers, sending, sent, notice, bundle } = exporting;
  /** Tokens being typed, by tracker (never stored in the app's state). */
  const [tokens, setTokens] = useState<Partial<Record<TrackerName, string>>>({});
  const [source, setSource] = useState(false);
  const onClose = actions.closeExport;
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
              onClick={() => actions.push(t.name)}
              data-testid={`push-${t.name}`}
            >
              {sending ? 'Sending…' : `Send to ${TRACKER_LABELS[t.name]}`}
            </button>
          ))}
          <button
            type="button"
            className="btn btn-secondary"
            disabled={!out}
            onClick={actions.saveExport}
            data-testid="save-export"
          >
            Save beside the log
          </button>
          <button
            type="button"
            className="btn btn-secondary"
            disabled={bundle === true}
            title="One archive for an auditor, beside the log: the journal, every byte of output, the runbook it ran, the log, the recording and SHA256SUMS"
            onClick={actions.saveBundle}
            data-testid="save-bundle"
          >
            {bundle === true ? 'Saving bundle…' : 'Save bundle'}
          </button>
          <button
            type="button"
            className="btn btn-primary"
            disabled={!out}
            onClick={() => actions.copyExport(out!.content)}
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
            onChange={(e) => actions.exportFormat(e.target.value as ExportFormat)}
            data-testid="export-format"
          >
            {EXPORT_FORMATS.map((value) => (
              <option key={value} value={value}>
                {FORMAT_LABELS[value]}
              </option>
            ))}
          </select>
        </label>
        {out && <span className="muted">{out.filename}</span>}
        {format === 'md' && (
          <label className="export-source">
            <input
              type="checkbox"
              checked={source}
              onChange={(e) => setSource(e.target.checked)}
              data-testid="export-show-source"
            />
            Show source
          </label>
        )}
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
      {out && format === 'md' && !source ? (
        <div
          className="export-preview export-rendered"
          data-testid="export-preview"
          data-view="rendered"
        >
          <Markdown source={out.content} onLink={actions.openLink} />
        </div>
      ) : (
        <pre className="export-preview" data-testid="export-preview" data-view="source">
          {out?.content ?? ''}
        </pre>
      )}
      {trackers
        .filter((t) => !t.hasToken)
        .map((t) => (
          <form
            key={t.name}
            className="token-form"
            onSubmit={(e) => {
              e.preventDefault();
              void actions
                .saveToken(t.name, tokens[t.name] ?? '')
                .then((kept) => kept && setTokens((all) => ({ ...all, [t.name]: '' })));
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
      {bundle && bundle !== true && (
        <div className="bundle-notice" role="status" data-testid="bundle-notice">
          <p>
            Bundle saved ({bundle.files.length} files): <code>{bundle.path}</code>
          </p>
          {bundle.redactedRunbooks > 0 && (
            <p className="muted" data-testid="bundle-redacted">
              The runbook text held secrets written into it: the bundle has it with them redacted,
              so the log cannot be checked against it.
            </p>
          )}
          <p className="muted">Check it with standard tools, in an empty folder:</p>
          <pre data-testid="bundle-check">{bundle.check}</pre>
          <p className="muted">
            SHA-256 of its SHA256SUMS: <code>{bundle.manifestSha256}</code>; or{' '}
            <code>runsheet verify {bundle.path}</code>
          </p>
        </div>
      )}
      {notice && (
        <p className="muted" role="status" data-testid="export-notice">
          {notice}
        </p>
      )}
    </ModalDialog>
  );
}
