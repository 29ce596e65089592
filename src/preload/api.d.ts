/** What the preload exposes as `window.runsheetBridge` (Electron only). */
export interface RunsheetBridge {
  invoke(
    method: string,
    params: unknown,
  ): Promise<
    { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }
  >;
  /** Subscribes to one event; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void;
}
