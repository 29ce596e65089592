import { useState, type FormEvent } from 'react';
import type { EventPayload } from '../../../shared/api';
import { ModalDialog } from './ModalDialog';

/**
 * A host (or an encrypted key) asks for something only the user knows: a key's
 * passphrase, the server's keyboard-interactive prompts (one-time codes), or a
 * password. Hidden prompts use password fields; answers go to the core once and
 * are never shown again.
 */
export function AuthPromptDialog({
  prompt,
  onAnswer,
}: {
  prompt: EventPayload<'host.authPrompt'>;
  onAnswer(answers: string[] | null): void;
}) {
  const [answers, setAnswers] = useState<string[]>(() => prompt.prompts.map(() => ''));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onAnswer(answers);
  };
  const heading =
    prompt.kind === 'passphrase'
      ? prompt.title
      : prompt.kind === 'password'
        ? `Password for ${prompt.alias}`
        : `${prompt.alias} asks you to sign in`;
  return (
    <ModalDialog
      title={heading}
      onClose={() => onAnswer(null)}
      testId="auth-prompt-dialog"
      actions={
        <>
          <button type="button" className="btn btn-ghost" onClick={() => onAnswer(null)}>
            Cancel
          </button>
          <button type="submit" form="auth-prompt-form" className="btn btn-primary">
            {prompt.kind === 'passphrase' ? 'Unlock' : 'Sign in'}
          </button>
        </>
      }
    >
      {prompt.host && (
        <p className="muted">
          {prompt.kind === 'keyboard-interactive' && prompt.title ? `${prompt.title} · ` : ''}
          <code>{prompt.host}</code>
        </p>
      )}
      {prompt.instructions && <p className="auth-instructions">{prompt.instructions}</p>}
      <form id="auth-prompt-form" className="auth-form" onSubmit={submit}>
        {prompt.prompts.map((p, i) => (
          <label key={i} className="auth-field">
            <span>{p.prompt.trim() || 'Answer'}</span>
            <input
              type={p.echo ? 'text' : 'password'}
              autoComplete={p.echo ? 'off' : 'current-password'}
              spellCheck={false}
              autoFocus={i === 0}
              value={answers[i] ?? ''}
              data-testid={`auth-answer-${i}`}
              onChange={(e) => setAnswers((a) => a.map((v, j) => (j === i ? e.target.value : v)))}
            />
          </label>
        ))}
      </form>
      <p className="muted">
        Runsheet keeps this in memory for the connection only
        {prompt.kind === 'passphrase' ? ' (a passphrase until it quits)' : ''}; it is never written
        to a log.
      </p>
    </ModalDialog>
  );
}
