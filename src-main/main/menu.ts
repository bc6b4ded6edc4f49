// The application menu as data (tested without Electron): File, View, Help. Actions are injected.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  newExperiment(): void;
  importBundle(): void;
  exportAllRuns(): void;
  openDatabase(): void;
  toggleTheme(): void;
  about(): void;
  openPaper(): void;
}

export function menuTemplate(a: MenuActions, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Experiment', accelerator: 'CmdOrCtrl+N', click: () => a.newExperiment() },
        { type: 'separator' },
        { label: 'Import Runs…', accelerator: 'CmdOrCtrl+I', click: () => a.importBundle() },
        { label: 'Export All Runs…', accelerator: 'CmdOrCtrl+E', click: () => a.exportAllRuns() },
        { type: 'separator' },
        { label: 'Open Database…', accelerator: 'CmdOrCtrl+O', click: () => a.openDatabase() },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { label: 'Toggle Theme', accelerator: 'CmdOrCtrl+T', click: () => a.toggleTheme() },
        { type: 'separator' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'resetZoom' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        { role: 'toggleDevTools' },
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'About Moduli Workbench', click: () => a.about() },
        { label: 'The Paper (arXiv 2406.06290)', click: () => a.openPaper() },
      ],
    },
  ];
}

export function aboutText(info: { version: string; electron: string | null; node: string; backend: string | null; notices: string[] }): string {
  return [
    `Moduli Workbench ${info.version}`,
    `Electron ${info.electron ?? '–'}, Node ${info.node}`,
    `Compute backend (latest run): ${info.backend ?? 'chosen when a run starts'}`,
    ...info.notices.map((n) => `  ${n}`),
  ].join('\n');
}
