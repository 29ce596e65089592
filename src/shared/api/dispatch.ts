import type { z } from 'zod';
import {
  events,
  isEventName,
  isMethodName,
  methods,
  type EventName,
  type EventPayload,
  type Handlers,
  type MethodName,
  type MethodOutput,
} from './contract';
import { ApiError } from './errors';

/** Describes what failed validation, for the user: path and message of the first issues. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : 'payload'}: ${i.message}`)
    .join('; ');
}

/**
 * Server side of every transport: checks the method against the allowlist,
 * parses the payload with its schema, calls the handler and checks the result.
 */
export async function dispatch(
  handlers: Handlers,
  method: unknown,
  params: unknown,
): Promise<unknown> {
  if (!isMethodName(method)) {
    throw new ApiError(
      'forbidden',
      `unknown method ${JSON.stringify(String(method)).slice(0, 80)}`,
    );
  }
  const spec = methods[method];
  const input = spec.input.safeParse(params ?? {});
  if (!input.success) {
    throw new ApiError('invalid-input', `${method}: ${describeIssues(input.error)}`);
  }
  const handler = handlers[method] as (input: unknown) => Promise<unknown>;
  const result = await handler(input.data);
  return parseOutput(method, result);
}

/** Client side: results are parsed too, so a confused or hostile peer cannot feed the UI junk. */
export function parseOutput<M extends MethodName>(method: M, value: unknown): MethodOutput<M> {
  const parsed = methods[method].output.safeParse(value);
  if (!parsed.success) {
    throw new ApiError(
      'internal',
      `${method} returned an invalid result: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data as MethodOutput<M>;
}

/** Parses an event payload; returns null (and the event is dropped) when it does not fit. */
export function parseEvent(
  name: unknown,
  payload: unknown,
): { name: EventName; payload: EventPayload<EventName> } | null {
  if (!isEventName(name)) return null;
  const parsed = events[name].safeParse(payload);
  return parsed.success ? { name, payload: parsed.data as EventPayload<EventName> } : null;
}
