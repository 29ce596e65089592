import { app, session } from 'electron';
import { RENDERER_CSP } from '../shared/api/wire';

/** App-wide hardening, before any window exists. */
export function setupSecurity(): void {
  app.enableSandbox();
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] },
    });
  });
  // The renderer may notify (a long step finished in the background) and use the
  // clipboard (copy and paste in the terminal); nothing else: no camera, no geolocation.
  const allowed = new Set(['notifications', 'clipboard-sanitized-write', 'clipboard-read']);
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(allowed.has(permission)),
  );
}
