import type { EventName, EventPayload, Handlers, RunsheetApi } from './contract';
import { dispatch, parseEvent } from './dispatch';

/** Something that publishes core events to subscribers. */
export interface EventSource {
  onEvent(listener: <E extends EventName>(event: E, payload: EventPayload<E>) => void): () => void;
}

/**
 * The in-process transport (CLI, tests): the same validation as the other
 * adapters, without serialization.
 */
export function createInProcessApi(handlers: Handlers, source: EventSource): RunsheetApi {
  return {
    async call(method, input) {
      // dispatch() parses the input and checks the result against the output schema.
      return (await dispatch(handlers, method, structuredClone(input))) as never;
    },
    on(event, listener) {
      return source.onEvent((name, payload) => {
        if ((name as EventName) !== event) return;
        const parsed = parseEvent(name, payload);
        if (parsed) listener(parsed.payload as never);
      });
    },
  };
}
