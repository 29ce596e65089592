import {
  fromWireError,
  parseEvent,
  parseOutput,
  ServerMessage,
  type EventName,
  type MethodName,
  type RunsheetApi,
} from '../../../shared/api';

/**
 * The API over the loopback WebSocket of `runsheet serve`. The token comes in
 * the page's URL fragment (never sent in HTTP requests) and is removed from the
 * address bar once read. Every result and event is parsed against the contract.
 */
export async function connectWebSocketApi(
  location: Location,
  onClose: (reason: string) => void,
): Promise<RunsheetApi> {
  const token =
    new URLSearchParams(location.hash.slice(1)).get('token') ??
    sessionStorage.getItem('runsheet.token');
  if (!token)
    throw new Error(
      'This page needs the URL printed by `runsheet serve` (it carries an access token).',
    );
  sessionStorage.setItem('runsheet.token', token);
  history.replaceState(null, '', location.pathname);

  const ws = new WebSocket(`ws://${location.host}/api?token=${encodeURIComponent(token)}`);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener(
      'error',
      () =>
        reject(
          new Error(
            'Could not connect to the Runsheet server (is `runsheet serve` still running, and is the token current?)',
          ),
        ),
      { once: true },
    );
  });

  let nextId = 1;
  const pending = new Map<
    number,
    { method: MethodName; resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();

  ws.addEventListener('message', (event) => {
    let raw: unknown;
    try {
      raw = JSON.parse(String(event.data));
    } catch {
      raw = null;
    }
    const parsed = ServerMessage.safeParse(raw);
    if (!parsed.success) {
      console.error('Runsheet: dropped a malformed message from the server');
      return;
    }
    const message = parsed.data;
    if (message.type === 'event') {
      const ev = parseEvent(message.name, message.payload);
      if (ev) for (const listener of listeners.get(ev.name) ?? []) listener(ev.payload as never);
      return;
    }
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (!message.ok) return call.reject(fromWireError(message.error));
    try {
      call.resolve(parseOutput(call.method, message.value));
    } catch (error) {
      call.reject(error as Error);
    }
  });
  ws.addEventListener('close', (event) => {
    for (const call of pending.values())
      call.reject(new Error('connection to the Runsheet server closed'));
    pending.clear();
    onClose(event.reason || 'the Runsheet server closed the connection');
  });

  return {
    call(method, input) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ type: 'call', id, method, params: input }));
      });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener as (payload: never) => void);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
}
