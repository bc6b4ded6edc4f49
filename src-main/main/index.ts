// Electron main process: one hardened window over the renderer, the job runner with training in
// utilityProcesses, and the API over IPC. Kept thin: everything it calls is tested in plain Node.
import { existsSync } from 'node:fs';
import { writeOutputFile } from '../store/output-file';
import { denyAllPermissions, guardEveryWebContents } from './guards';
import { EVENT_LOOP_BUSY_MS } from '../store/database';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, screen, session, shell, utilityProcess } from 'electron';
import { EVENT_CHANNEL } from '../api/method-names';
import { createService } from '../api/service';
import { JobRunner } from '../jobs/runner';
import { presetConfig } from '../schema/presets';
import { exportBundle } from '../store/bundle';
import { ComputePool } from '../jobs/compute';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_URL, rendererDevUrl, resolveAppFile } from './app-protocol';
import { RunStore } from '../store/run-store';
import { ensureParentDir } from '../store/paths';
import { forwardEvents, registerApiHandlers, trustedUrl } from './ipc';
import { aboutText, menuTemplate } from './menu';
import { choiceFromButton, planQuit, QUIT_DIALOG } from './quit';
import { loadSettings, saveSettings } from './settings';
import { utilityProcessHost, workerEntryPath } from './utility-host';
import { DEFAULT_SIZE, loadWindowState, restoreBounds, saveWindowState } from './window-state';

// Only an unpacked development build loads the dev server; a packaged app ignores the environment variable.
const RENDERER_DEV_URL = rendererDevUrl(app.isPackaged, process.env);
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
const ALLOWED_EXTERNAL = [/^https:\/\/arxiv\.org\//, /^https:\/\/github\.com\/mackeynations\//];

const PAPER_URL = 'https://arxiv.org/abs/2406.06290';

function createWindow(stateFile: string): BrowserWindow {
  const bounds = restoreBounds(
    loadWindowState(stateFile),
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const win = new BrowserWindow({
    ...(bounds ?? DEFAULT_SIZE),
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
  win.once('ready-to-show', () => {
    if (bounds?.maximized) win.maximize();
    win.show();
  });
  win.on('close', () => saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() }));
  // Navigation, new windows, webviews and permissions are refused for every web page (guards.ts).
  void win.loadURL(RENDERER_DEV_URL ?? APP_URL);
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

guardEveryWebContents(app, { devUrl: RENDERER_DEV_URL ?? undefined, openExternal: (url) => void shell.openExternal(url), allowedExternal: ALLOWED_EXTERNAL });

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
    denyAllPermissions(session.defaultSession);
    const rendererRoot = join(__dirname, '../renderer');
    protocol.handle(APP_SCHEME, (request) => {
      const file = resolveAppFile(rendererRoot, request.url);
      if (!file || !existsSync(file)) return new Response('not found', { status: 404 });
      return net.fetch(pathToFileURL(file).toString());
    });
    const settingsFile = join(app.getPath('userData'), 'settings.json');
    const { settings, notice } = loadSettings(settingsFile);
    if (notice) console.warn(notice);
    const dbPath = settings.databasePath ?? join(app.getPath('userData'), 'runs.sqlite');
    ensureParentDir(dbPath);
    const store = RunStore.open(dbPath, { nativeBinding: electronNativeBinding(), busyTimeoutMs: EVENT_LOOP_BUSY_MS });
    const createHost = () => utilityProcessHost(utilityProcess, workerEntryPath(__dirname), settings.cudaDevices);
    const runner = new JobRunner({ store, createHost, concurrency: settings.concurrency ?? undefined, ownerKind: 'app' });
    runner.recover();
    const compute = new ComputePool({ createHost });
    const service = createService(store, runner, { defaultBackend: settings.backend, compute, nativeBinding: electronNativeBinding() });
    registerApiHandlers(ipcMain, service, (url) => trustedUrl(url, RENDERER_DEV_URL));
    const stateFile = join(app.getPath('userData'), 'window-state.json');
    const open = () => {
      const win = createWindow(stateFile);
      const stop = forwardEvents(runner.events, win.webContents);
      win.on('closed', stop);
      return win;
    };
    const win = open();
    const toRenderer = (action: string) => BrowserWindow.getFocusedWindow()?.webContents.send(EVENT_CHANNEL, { runId: '', type: 'menu', action });
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          newExperiment: () => toRenderer('new-experiment'),
          toggleTheme: () => toRenderer('toggle-theme'),
          importBundle: () => {
            const [file] =
              dialog.showOpenDialogSync({ title: 'Import runs', filters: [{ name: 'Run bundles', extensions: ['mwb'] }], properties: ['openFile'] }) ?? [];
            if (!file) return;
            // Decompressing, validating and writing a bundle takes seconds for large runs: in a utility process.
            compute
              .run<string[]>({ kind: 'importBundle', file, database: dbPath, nativeBinding: electronNativeBinding() })
              .then((ids) => {
                dialog.showMessageBoxSync({ message: `Imported ${ids.length} run(s).` });
                toRenderer('refresh');
              })
              .catch((e: unknown) => dialog.showErrorBox('Import failed', (e as Error).message));
          },
          exportAllRuns: () => {
            const file = dialog.showSaveDialogSync({
              title: 'Export all runs',
              defaultPath: 'runs.mwb',
              filters: [{ name: 'Run bundles', extensions: ['mwb'] }],
            });
            // The save dialog asked before replacing a file; the database itself is never a valid target.
            if (file)
              writeOutputFile(
                file,
                exportBundle(
                  store,
                  store.listRuns({ limit: 10000 }).map((r) => r.id),
                ),
                { overwrite: true, protect: [store.path] },
              );
          },
          openDatabase: () => {
            const [file] =
              dialog.showOpenDialogSync({
                title: 'Open run database',
                filters: [{ name: 'SQLite', extensions: ['sqlite', 'db'] }],
                properties: ['openFile', 'promptToCreate'],
              }) ?? [];
            if (!file) return;
            saveSettings(settingsFile, { ...settings, databasePath: file });
            app.relaunch();
            app.quit();
          },
          about: () => {
            const info = service.handlers.appInfo();
            dialog.showMessageBoxSync({ title: 'About', message: aboutText({ ...info, backend: info.backend, notices: info.backendNotices }) });
          },
          openPaper: () => void shell.openExternal(PAPER_URL),
        }),
      ),
    );
    if (!settings.firstRunDone) {
      const answer = dialog.showMessageBoxSync(win, {
        type: 'info',
        message: 'Welcome to Moduli Workbench',
        detail:
          'Train recurrent networks with a moduli-space penalty, prune them, and compare geometries. A quick demo trains the adding problem with a torus penalty to 95 % sparsity in about a minute on a CPU.',
        buttons: ['Start the demo run', 'Not now'],
      });
      if (answer === 0) runner.enqueue(presetConfig('adding', 'quick', { name: 'demo' }));
      saveSettings(settingsFile, { ...settings, firstRunDone: true });
    }
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) open();
    });

    let quitting = false;
    app.on('before-quit', (event) => {
      if (quitting) return;
      const running = runner.runningIds();
      if (!running.length) return;
      event.preventDefault();
      const answer = dialog.showMessageBoxSync({
        type: 'question',
        message: QUIT_DIALOG.message,
        detail: QUIT_DIALOG.detail,
        buttons: [...QUIT_DIALOG.buttons],
        defaultId: 0,
        cancelId: 2,
      });
      const plan = planQuit(running, choiceFromButton(answer));
      if (!plan.quit) return;
      plan.pause.forEach((id) => runner.pause(id));
      plan.cancel.forEach((id) => runner.cancel(id));
      quitting = true;
      void Promise.all(running.map((id) => runner.wait(id))).then(() => {
        runner.dispose();
        store.close();
        app.quit();
      });
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
