import { useEffect, useMemo, useSyncExternalStore } from 'react';
import type { RunsheetApi } from '../../../shared/api';
import { createActions, type Actions } from './actions';
import { initialState, reduce, type Action, type AppState } from './store';

/** The UI's one store: the state, changed only by `reduce`, and who is watching it. */
function createStore() {
  let state = initialState;
  const listeners = new Set<() => void>();
  return {
    get: (): AppState => state,
    dispatch(action: Action): void {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      for (const listener of listeners) listener();
    },
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The store and its actions, bound to an API; the core's events flow in while mounted. */
export function useApp(api: RunsheetApi): { state: AppState; actions: Actions } {
  const { store, actions } = useMemo(() => {
    const store = createStore();
    return { store, actions: createActions(api, store.dispatch, store.get) };
  }, [api]);
  const state = useSyncExternalStore(store.subscribe, store.get);
  useEffect(() => actions.boot(), [actions]);
  return { state, actions };
}
