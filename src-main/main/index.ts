// Electron main process: one hardened window over the renderer, the job runner with training in
// utilityProcesses, and the API over IPC. Kept thin: everything it calls is tested in plain Node.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, session, shell, utilityProcess } from 'electron';
import { createService } from '../api/service';
import { JobRunner } from '../jobs/runner';
import { RunStore } from '../store/run-store';
import { ensureParentDir } from '../store/paths';
import { forwardEvents, registerApiHandlers, trustedUrl } from './ipc';
import { choiceFromButton, planQuit, QUIT_DIALOG } from './quit';
import { loadSettings } from './settings';
import { utilityProcessHost, workerEntryPath } from './utility-host';

const RENDERER_DEV_URL = process.env.ELECTRON_RENDERER_URL;
const ALLOWED_EXTERNAL = [/^https:\/\/arxiv\.org\//, /^https:\/\/github\.com\/mackeynations\//];

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Moduli Workbench',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // No in-app navigation or new windows; only allow-listed https links open, in the system browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (ALLOWED_EXTERNAL.some((r) => r.test(url))) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  if (RENDERER_DEV_URL) void win.loadURL(RENDERER_DEV_URL);
  else void win.loadFile(join(__dirname, '../renderer/index.html'));
  return win;
}

/**
 * better-sqlite3 compiled for Electron's ABI (scripts/electron-native.mjs) lives apart from the Node build the
 * CLI and tests use; in a packaged app it is unpacked next to the asar archive.
 */
function electronNativeBinding(): string | undefined {
  const file = join(app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked'), '.electron-native', 'better_sqlite3.node');
  return existsSync(file) ? file : undefined;
}

if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  void app.whenReady().then(() => {
    // The workbench needs no camera, microphone, notifications or geolocation: deny every permission request.
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    const { settings, notice } = loadSettings(join(app.getPath('userData'), 'settings.json'));
    if (notice) console.warn(notice);
    const dbPath = settings.databasePath ?? join(app.getPath('userData'), 'runs.sqlite');
    ensureParentDir(dbPath);
    const store = RunStore.open(dbPath, { nativeBinding: electronNativeBinding() });
    const runner = new JobRunner({ store, createHost: () => utilityProcessHost(utilityProcess, workerEntryPath(__dirname)), concurrency: settings.concurrency ?? undefined });
    runner.recover();
    registerApiHandlers(ipcMain, createService(store, runner), (url) => trustedUrl(url, RENDERER_DEV_URL));
    const open = () => {
      const win = createWindow();
      const stop = forwardEvents(runner.events, win.webContents);
      win.on('closed', stop);
    };
    open();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });

    let quitting = false;
    app.on('before-quit', (event) => {
      if (quitting) return;
      const running = runner.runningIds();
      if (!running.length) return;
      event.preventDefault();
      const answer = dialog.showMessageBoxSync({ type: 'question', message: QUIT_DIALOG.message, detail: QUIT_DIALOG.detail, buttons: [...QUIT_DIALOG.buttons], defaultId: 0, cancelId: 2 });
      const plan = planQuit(running, choiceFromButton(answer));
      if (!plan.quit) return;
      plan.pause.forEach((id) => runner.pause(id));
      plan.cancel.forEach((id) => runner.cancel(id));
      quitting = true;
      void Promise.all(running.map((id) => runner.wait(id))).then(() => {
        store.close();
        app.quit();
      });
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
