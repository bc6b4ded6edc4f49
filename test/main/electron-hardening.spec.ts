// The desktop app's hardening, checked without an Electron binary: the app:// protocol's file resolution,
// the exact-origin check for IPC senders, the dev-server URL in packaged builds, the fuses in the packaging
// config, and that the main process wires each of them (the Electron calls themselves are thin).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { APP_URL, isAppOrigin, rendererDevUrl, resolveAppFile } from '../../src-main/main/app-protocol';
import { trustedUrl } from '../../src-main/main/ipc';

const ROOT = resolve(__dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'renderer-'));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html>');
writeFileSync(join(root, 'assets', 'a.js'), '');

describe('app:// protocol', () => {
  it('serves files under the renderer folder and nothing else', () => {
    expect(resolveAppFile(root, APP_URL)).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://workbench/')).toBe(join(root, 'index.html'));
    expect(resolveAppFile(root, 'app://workbench/assets/a.js')).toBe(join(root, 'assets', 'a.js'));
    for (const bad of [
      'app://workbench/../secret',
      'app://workbench/..%2f..%2fetc%2fpasswd',
      'app://workbench/%2e%2e/%2e%2e/etc/passwd',
      'app://workbench/assets/..%5c..%5c..%5cetc',
      'app://workbench/a%00.js',
      'app://workbench/%E0%A4%A',
      'app://other/index.html',
      'file:///etc/passwd',
      'not a url',
    ]) {
      const file = resolveAppFile(root, bad);
      expect(file === null || file.startsWith(root + '/'), bad).toBe(true);
    }
    expect(resolveAppFile(root, 'app://other/index.html')).toBeNull();
  });

  it('IPC trusts exactly the app origin (and the dev server only when one is configured)', () => {
    expect(trustedUrl('app://workbench/index.html')).toBe(true);
    for (const url of [
      'file:///app/out/renderer/index.html',
      'app://workbench.evil/index.html',
      'app://workbenchx/',
      'http://workbench/',
      'https://evil.example/',
    ]) {
      expect(isAppOrigin(url), url).toBe(false);
    }
    expect(trustedUrl('http://localhost:5173/x', 'http://localhost:5173')).toBe(true);
    expect(trustedUrl('http://localhost:5173.evil.example/', 'http://localhost:5173')).toBe(false);
    expect(trustedUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
  });

  it('a packaged build ignores ELECTRON_RENDERER_URL; a development build accepts only a loopback http URL', () => {
    expect(rendererDevUrl(true, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBeNull();
    expect(rendererDevUrl(false, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBe('http://localhost:5173');
    expect(rendererDevUrl(false, { ELECTRON_RENDERER_URL: 'https://evil.example/' })).toBeNull();
    expect(rendererDevUrl(false, {})).toBeNull();
  });
});

describe('packaging and main-process wiring', () => {
  it('electron-builder flips the fuses: no RunAsNode, no NODE_OPTIONS or --inspect, asar only with integrity', () => {
    const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean> };
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('the main process serves app://, blocks frame navigation and redirects, and imports bundles off the main thread', () => {
    const main = readFileSync(join(ROOT, 'src-main/main/index.ts'), 'utf8');
    expect(main).toMatch(/protocol\.handle\(APP_SCHEME/);
    expect(main).toMatch(/registerSchemesAsPrivileged/);
    expect(main).toMatch(/guardEveryWebContents\(app,/);
    expect(main).toMatch(/denyAllPermissions\(session\.defaultSession\)/);
    expect(main).not.toMatch(/loadFile\(|file:\/\//);
    expect(main).not.toMatch(/importBundle\(store/);
    expect(main).toMatch(/kind: 'importBundle'/);
    expect(main).toMatch(/rendererDevUrl\(app\.isPackaged/);
  });
});

describe('guards on every web page', () => {
  type Listener = (event: { preventDefault(): void; url?: string }) => void;
  function fakeContents() {
    const listeners = new Map<string, Listener>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
    return {
      contents: { on: (e: string, l: Listener) => void listeners.set(e, l), setWindowOpenHandler: (h: typeof openHandler) => void (openHandler = h) },
      /** True when the guard refused the event. */
      refused(event: string, url?: string): boolean {
        let prevented = false;
        listeners.get(event)?.({ preventDefault: () => void (prevented = true), url });
        return prevented;
      },
      open: (url: string) => openHandler!({ url }),
    };
  }

  it("a web page created at any time (not only the main window) gets them through 'web-contents-created'", async () => {
    const { guardEveryWebContents } = await import('../../src-main/main/guards');
    let created: ((e: unknown, c: unknown) => void) | null = null;
    const opened: string[] = [];
    guardEveryWebContents(
      { on: (_e, l) => void (created = l as never) },
      { openExternal: (u) => void opened.push(u), allowedExternal: [/^https:\/\/arxiv\.org\//] },
    );
    const page = fakeContents();
    created!({}, page.contents);
    expect(page.refused('will-navigate', 'https://evil.example/')).toBe(true);
    expect(page.refused('will-redirect', 'https://evil.example/')).toBe(true);
    expect(page.refused('will-attach-webview')).toBe(true);
    expect(page.refused('will-frame-navigate', 'https://evil.example/')).toBe(true);
    expect(page.refused('will-frame-navigate', APP_URL)).toBe(false);
    expect(page.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(page.open('https://arxiv.org/abs/2406.06290')).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://arxiv.org/abs/2406.06290']);
  });

  it('every permission check and request is answered no', async () => {
    const { denyAllPermissions } = await import('../../src-main/main/guards');
    const answers: boolean[] = [];
    let check: ((...a: unknown[]) => boolean) | null = null;
    let device: ((...a: unknown[]) => boolean) | null = null;
    denyAllPermissions({
      setPermissionRequestHandler: (h) => h(null, 'media', (g) => void answers.push(g)),
      setPermissionCheckHandler: (h) => void (check = h),
      setDevicePermissionHandler: (h) => void (device = h),
    });
    expect(answers).toEqual([false]);
    expect(check!(null, 'clipboard-read')).toBe(false);
    expect(device!({ deviceType: 'usb' })).toBe(false);
  });
});
