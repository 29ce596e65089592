/** Error codes that cross the contract. */
export type ApiErrorCode = 'invalid-input' | 'not-found' | 'conflict' | 'forbidden' | 'internal';

/** An error meant for the user: its message is safe to show and names what went wrong. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The wire form of an error. */
export interface WireError {
  code: ApiErrorCode;
  message: string;
}

const CODES: ApiErrorCode[] = ['invalid-input', 'not-found', 'conflict', 'forbidden', 'internal'];

export function toWireError(error: unknown): WireError {
  if (error instanceof ApiError) return { code: error.code, message: error.message };
  // Unexpected errors keep their message (it names the file or host) but never a stack.
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}

export function fromWireError(value: unknown): ApiError {
  const v = (value ?? {}) as Partial<WireError>;
  const code = CODES.includes(v.code as ApiErrorCode) ? (v.code as ApiErrorCode) : 'internal';
  return new ApiError(code, typeof v.message === 'string' ? v.message : 'unknown error');
}
