// Guards that hold for every web page the app ever creates, not just its main window: no navigation away
// from the app, no new windows (allow-listed https links open in the system browser), no <webview>, and no
// permission of any kind (the workbench needs no camera, microphone, notifications, geolocation, USB, HID…).
// Installed app-wide through 'web-contents-created', so a window or frame added later cannot miss them.
import { isAppOrigin } from './app-protocol';

interface PreventableEvent {
  preventDefault(): void;
  url?: string;
}

/** The slice of Electron's WebContents the guards use (a plain object in tests). */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect' | 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** The slice of Electron's Session: every permission check and request is answered no. */
export interface GuardedSession {
  setPermissionRequestHandler(handler: (wc: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (...args: unknown[]) => boolean): void;
  setDevicePermissionHandler?(handler: (...args: unknown[]) => boolean): void;
}

export interface GuardedApp {
  on(event: 'web-contents-created', listener: (event: unknown, contents: GuardedContents) => void): unknown;
}

export function guardContents(
  contents: GuardedContents,
  o: { devUrl?: string; openExternal: (url: string) => void; allowedExternal: readonly RegExp[] },
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (o.allowedExternal.some((r) => r.test(url))) o.openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => {
    if (!event.url || !isAppOrigin(event.url, o.devUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Before any window exists (at start-up), so that no web page is ever created without the guards. */
export function guardEveryWebContents(app: GuardedApp, o: Parameters<typeof guardContents>[1]): void {
  app.on('web-contents-created', (_event, contents) => guardContents(contents, o));
}

/** Once the app is ready (sessions exist only then). */
export function denyAllPermissions(session: GuardedSession): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler?.(() => false);
}
