import { z } from 'zod';

/** Messages on the WebSocket transport. Both ends parse every message with these schemas. */
export const ClientMessage = z.object({
  type: z.literal('call'),
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  params: z.unknown(),
});

export const ServerMessage = z.union([
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    ok: z.literal(true),
    value: z.unknown(),
  }),
  z.object({
    type: z.literal('result'),
    id: z.number().int(),
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string() }),
  }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);

export type ClientMessage = z.infer<typeof ClientMessage>;
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Content-Security-Policy for the renderer, whichever way it is loaded. */
export const RENDERER_CSP = [
  "default-src 'none'",
  // WebAssembly may be compiled (never JavaScript from strings): the replay's player
  // (asciinema-player) runs its terminal emulator as WebAssembly.
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
