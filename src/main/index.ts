// Composition root: only wiring. Each setupX() lives in its own module.
import { app, BrowserWindow, ipcMain } from 'electron';
import { setupCore } from './core-host';
import { createSenderPolicy, setupIpcGateway } from './ipc-gateway';
import { setupSecurity } from './security';
import { broadcast, createMainWindow, windowRegistry } from './windows';

app.setName('Runsheet');
if (!app.requestSingleInstanceLock()) app.quit();

void app.whenReady().then(() => {
  setupSecurity();
  const core = setupCore();
  setupIpcGateway(ipcMain, core, createSenderPolicy(windowRegistry), broadcast);
  createMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
