// The desktop app's thin Electron boundary, with Electron faked only there: preload surface, IPC validation,
// quit planning, settings migration.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { API_CHANNEL, API_METHOD_NAMES } from '../../src-main/api/method-names';
import { API_METHODS } from '../../src-main/api/methods';
import { createService } from '../../src-main/api/service';
import { FanOut } from '../../src-main/jobs/fanout';
import { JobRunner } from '../../src-main/jobs/runner';
import { forwardEvents, registerApiHandlers, trustedUrl, type IpcInvokeEvent } from '../../src-main/main/ipc';
import { choiceFromButton, planQuit } from '../../src-main/main/quit';
import { loadSettings, saveSettings, SETTINGS_VERSION } from '../../src-main/main/settings';
import { RunStore } from '../../src-main/store/run-store';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (...args: unknown[]) => args);
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: { invoke: (...a: unknown[]) => invoke(...a), on: vi.fn(), removeListener: vi.fn() },
}));

const dir = mkdtempSync(join(tmpdir(), 'main-'));

function fakeIpc() {
  const handlers = new Map<string, (e: IpcInvokeEvent, ...a: unknown[]) => unknown>();
  return { handle: (ch: string, fn: (e: IpcInvokeEvent, ...a: unknown[]) => unknown) => void handlers.set(ch, fn), handlers };
}

describe('preload API surface', () => {
  it('lists exactly the API methods (the preload cannot drift from the schemas)', () => {
    expect([...API_METHOD_NAMES].sort()).toEqual(Object.keys(API_METHODS).sort());
  });

  it('exposes only versions, call and onEvent; call forwards allowed methods to the one IPC channel', async () => {
    await import('../../src-main/preload/index');
    const api = exposed.moduli as { call: (m: string, ...a: unknown[]) => Promise<unknown>; onEvent: unknown; versions: unknown };
    expect(Object.keys(api).sort()).toEqual(['call', 'onEvent', 'versions']);
    await api.call('listRuns', { task: 'adding' });
    expect(invoke).toHaveBeenLastCalledWith(API_CHANNEL, 'listRuns', [{ task: 'adding' }]);
    await expect(api.call('readFile', '/etc/passwd')).rejects.toThrow(/unknown API method/);
    expect(invoke).toHaveBeenCalledTimes(1);
  });
});

describe('IPC handlers', () => {
  const store = RunStore.open(join(dir, 'ipc.sqlite'));
  const runner = new JobRunner({
    store,
    createHost: () => {
      throw new Error('no workers in this test');
    },
    concurrency: 1,
  });
  const ipc = fakeIpc();
  registerApiHandlers(ipc, createService(store, runner), (url) => trustedUrl(url));
  const handler = ipc.handlers.get(API_CHANNEL)!;
  const fromApp: IpcInvokeEvent = { senderFrame: { url: 'app://workbench/index.html' } };

  it('every API method reaches a handler that validates its arguments', async () => {
    for (const method of Object.keys(API_METHODS)) {
      await expect(handler(fromApp, method, [{ definitely: 'wrong' }, 'x', 'y', 'z'])).rejects.toThrow(new RegExp(`${method}: argument`));
    }
  });

  it('answers valid calls and rejects malformed ones with the field that was wrong', async () => {
    expect(await handler(fromApp, 'listRuns', [{}])).toEqual([]);
    await expect(handler(fromApp, 'startRuns', [{ config: { task: { task: 'adding', hidden: 0 } } }])).rejects.toThrow(/config\.task\.hidden/);
    await expect(handler(fromApp, 'listRuns', 'not an array')).rejects.toThrow(/arguments must be an array/);
    await expect(handler(fromApp, 'eval', [])).rejects.toThrow(/unknown API method/);
  });

  it('refuses calls from frames that are not the app’s own renderer', async () => {
    await expect(handler({ senderFrame: { url: 'https://evil.example/' } }, 'listRuns', [{}])).rejects.toThrow(/untrusted frame/);
    await expect(handler({ senderFrame: null }, 'listRuns', [{}])).rejects.toThrow(/untrusted frame/);
    expect(trustedUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
  });

  it('forwards events to a window and stops when the window is gone', async () => {
    const bus = new FanOut();
    const sent: unknown[] = [];
    let destroyed = false;
    forwardEvents(bus as never, { send: (_c, p) => void sent.push(p), isDestroyed: () => destroyed });
    bus.publish({ runId: 'r', type: 'metrics', event: { type: 'metrics' } });
    await new Promise((r) => setTimeout(r, 10));
    destroyed = true;
    bus.publish({ runId: 'r', type: 'metrics', event: { type: 'metrics' } });
    await new Promise((r) => setTimeout(r, 10));
    expect(sent).toHaveLength(1);
  });
});

describe('quit with runs in flight', () => {
  it('quits at once without running work, otherwise follows the user’s choice', () => {
    expect(planQuit([], null)).toEqual({ quit: true, pause: [], cancel: [] });
    expect(planQuit(['a', 'b'], choiceFromButton(0))).toEqual({ quit: true, pause: ['a', 'b'], cancel: [] });
    expect(planQuit(['a'], choiceFromButton(1))).toEqual({ quit: true, pause: [], cancel: ['a'] });
    expect(planQuit(['a'], choiceFromButton(2))).toEqual({ quit: false, pause: [], cancel: [] });
  });
});

describe('settings', () => {
  it('migrates a version-1 file and round-trips the current version', () => {
    const file = join(dir, 'settings-v1.json');
    writeFileSync(file, JSON.stringify({ dbPath: '/data/runs.sqlite', threads: 8, darkMode: true }));
    const { settings } = loadSettings(file);
    expect(settings).toMatchObject({ version: SETTINGS_VERSION, databasePath: '/data/runs.sqlite', concurrency: 4, theme: 'dark', backend: 'auto' });
    saveSettings(file, { ...settings, backend: 'wasm' });
    expect(loadSettings(file).settings.backend).toBe('wasm');
  });

  it('keeps an unreadable file aside and starts from defaults', () => {
    const file = join(dir, 'settings-bad.json');
    writeFileSync(file, '{ not json');
    const { settings, notice } = loadSettings(file);
    expect(settings.databasePath).toBeNull();
    expect(notice).toMatch(/unreadable/);
    expect(existsSync(`${file}.bad`)).toBe(true);
    expect(readFileSync(`${file}.bad`, 'utf8')).toBe('{ not json');
  });
});

describe('application menu', () => {
  it('has File (new experiment, import, export, open database), View (theme, zoom) and Help (about) wired to actions', async () => {
    const { menuTemplate, aboutText } = await import('../../src-main/main/menu');
    const calls: string[] = [];
    const actions = new Proxy({}, { get: (_t, name: string) => () => calls.push(name) });
    const t = menuTemplate(actions as never, 'linux');
    expect(t.map((m) => m.label)).toEqual(['File', 'View', 'Help']);
    const items = t.flatMap((m) => (m.submenu as Array<{ label?: string; role?: string; click?: () => void }>) ?? []);
    for (const label of ['New Experiment', 'Import Runs…', 'Export All Runs…', 'Open Database…', 'Toggle Theme', 'About Moduli Workbench']) {
      const item = items.find((i) => i.label === label);
      expect(item, label).toBeDefined();
      item!.click!();
    }
    expect(calls).toEqual(['newExperiment', 'importBundle', 'exportAllRuns', 'openDatabase', 'toggleTheme', 'about']);
    expect(items.map((i) => i.role)).toEqual(expect.arrayContaining(['zoomIn', 'zoomOut', 'resetZoom', 'quit']));
    expect(menuTemplate(actions as never, 'darwin')[0]).toEqual({ role: 'appMenu' });
    expect(aboutText({ version: '1', electron: '38', node: '22', backend: 'wasm', notices: ['tensorflow-gpu: not installed'] })).toMatch(
      /latest run\): wasm\n {2}tensorflow-gpu: not installed/,
    );
  });
});

describe('window state', () => {
  it('restores saved bounds on a display, clamps oversize windows, and drops windows of a detached monitor', async () => {
    const { restoreBounds } = await import('../../src-main/main/window-state');
    const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    expect(restoreBounds({ x: 100, y: 50, width: 1400, height: 900, maximized: false }, screen)).toEqual({
      x: 100,
      y: 50,
      width: 1400,
      height: 900,
      maximized: false,
    });
    expect(restoreBounds({ x: 0, y: 0, width: 3000, height: 2000, maximized: true }, screen)).toMatchObject({ width: 1920, height: 1080, x: 0, y: 0 });
    expect(restoreBounds({ x: 2500, y: 0, width: 1400, height: 900, maximized: false }, screen)).toBeNull();
    expect(restoreBounds(null, screen)).toBeNull();
  });
});

describe('backend preference', () => {
  it("applies the settings' backend to runs whose config says 'auto', and keeps an explicit choice", async () => {
    const store = RunStore.open(join(dir, 'pref.sqlite'));
    const runner = new JobRunner({ store, createHost: () => ({ send() {}, onMessage() {}, onExit() {}, kill() {}, pid: 1 }), concurrency: 0 });
    const service = createService(store, runner, { defaultBackend: 'cpu' });
    const [auto] = (await service.call('startRuns', [{ config: { task: { task: 'adding' } } }])) as string[];
    const [explicit] = (await service.call('startRuns', [{ config: { task: { task: 'adding' }, backend: 'wasm' } }])) as string[];
    expect(store.getRun(auto)!.config.backend).toBe('cpu');
    expect(store.getRun(explicit)!.config.backend).toBe('wasm');
    store.close();
  });
});
