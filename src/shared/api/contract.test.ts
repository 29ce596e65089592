import { describe, expect, it } from 'vitest';
import { dispatch } from './dispatch';
import type { Handlers } from './contract';
import { ApiError } from './errors';

// Handlers that must never be reached by an invalid call.
const unreachable = new Proxy({} as Handlers, {
  get: () => async () => {
    throw new Error('handler reached with an invalid payload');
  },
});

async function rejection(method: unknown, params: unknown): Promise<ApiError> {
  try {
    await dispatch(unreachable, method, params);
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('dispatch accepted the payload');
}

describe('contract validation', () => {
  it.each([
    ['an unknown method', 'fs.readFile', {}, 'forbidden'],
    ['a prototype key as method', '__proto__', {}, 'forbidden'],
    ['a non-string method', 42, {}, 'forbidden'],
    ['extra keys', 'app.info', { evil: true }, 'invalid-input'],
    [
      'a runbook id that climbs out of the workspace',
      'runbook.open',
      { runbookId: '../etc/passwd.md' },
      'invalid-input',
    ],
    ['an absolute runbook path', 'runbook.open', { runbookId: '/etc/x.md' }, 'invalid-input'],
    ['a non-Markdown runbook id', 'runbook.open', { runbookId: 'notes.txt' }, 'invalid-input'],
    ['a malformed run id', 'run.get', { runId: 'x;rm -rf /' }, 'invalid-input'],
    ['a missing field', 'run.execute', { runId: 'abcdefgh12' }, 'invalid-input'],
    [
      'a blank skip reason',
      'run.skip',
      { runId: 'abcdefgh12', stepId: 's', reason: '   ' },
      'invalid-input',
    ],
    [
      'a wrong type',
      'run.setChecked',
      { runId: 'abcdefgh12', stepId: 's', checked: 'yes' },
      'invalid-input',
    ],
    [
      'oversized terminal input',
      'session.write',
      { sessionId: 'pty-abc', data: 'x'.repeat(70_000) },
      'invalid-input',
    ],
    [
      'an absurd terminal size',
      'session.resize',
      { sessionId: 'pty-abc', cols: 0, rows: 10_000 },
      'invalid-input',
    ],
    ['a non-object payload', 'run.start', 'getting-started.md', 'invalid-input'],
  ])('rejects %s', async (_name, method, params, code) => {
    const error = await rejection(method, params);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe(code);
  });

  it('passes a valid payload to its handler and checks the result', async () => {
    const handlers = {
      'run.get': async () => ({ nonsense: true }),
      'session.resize': async () => null,
    } as unknown as Handlers;
    await expect(
      dispatch(handlers, 'session.resize', { sessionId: 'pty-abc', cols: 80, rows: 24 }),
    ).resolves.toBeNull();
    // A handler returning something outside the contract is an internal error, not data for the UI.
    await expect(dispatch(handlers, 'run.get', { runId: 'abcdefgh12' })).rejects.toMatchObject({
      code: 'internal',
    });
  });
});
