import type { PermissionCheckHandler, PermissionRequestHandler, SessionLike } from './electron/ElectronModules.js';

/** Permissions the web app uses: the microphone, and writing an invite link to the clipboard. */
const GRANTED_TO_SERVER = new Set(['media', 'clipboard-sanitized-write']);

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * The microphone (audio only, never the camera or the screen) and the clipboard, for the configured
 * server's top frame and nobody else; every other permission is refused.
 */
export class PermissionPolicy {
  constructor(private readonly serverOrigin: () => string | undefined) {}

  allows(permission: string, requestingUrl: string, mediaTypes: readonly string[] | undefined, isMainFrame: boolean): boolean {
    const server = this.serverOrigin();
    if (!server || !isMainFrame || !GRANTED_TO_SERVER.has(permission) || originOf(requestingUrl) !== server) return false;
    if (permission !== 'media') return true;
    return mediaTypes !== undefined && mediaTypes.length > 0 && mediaTypes.every((t) => t === 'audio');
  }

  install(session: SessionLike): void {
    const onRequest: PermissionRequestHandler = (_contents, permission, callback, details) => {
      callback(this.allows(permission, details.requestingUrl, details.mediaTypes, details.isMainFrame));
    };
    const onCheck: PermissionCheckHandler = (_contents, permission, requestingOrigin, details) => {
      // Checks (navigator.permissions.query, device enumeration) carry one media type at most.
      const mediaTypes = details.mediaType && details.mediaType !== 'unknown' ? [details.mediaType] : permission === 'media' ? [] : undefined;
      return this.allows(permission, details.requestingUrl ?? requestingOrigin, mediaTypes, details.isMainFrame);
    };
    session.setPermissionRequestHandler(onRequest);
    session.setPermissionCheckHandler(onCheck);
  }
}
