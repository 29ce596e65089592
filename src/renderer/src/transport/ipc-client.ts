import type { RunsheetBridge } from '../../../preload/api';
import { fromWireError, parseEvent, parseOutput, type RunsheetApi } from '../../../shared/api';

/** The API over Electron IPC, through the preload's bridge. Results and events are parsed here too. */
export function createIpcApi(bridge: RunsheetBridge): RunsheetApi {
  return {
    async call(method, input) {
      const result = await bridge.invoke(method, input);
      if (!result.ok) throw fromWireError(result.error);
      return parseOutput(method, result.value);
    },
    on(event, listener) {
      return bridge.on(event, (payload) => {
        const parsed = parseEvent(event, payload);
        if (parsed) listener(parsed.payload as never);
      });
    },
  };
}
