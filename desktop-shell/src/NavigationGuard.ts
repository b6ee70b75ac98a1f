import type { JoinLink } from './DeepLink.js';
import type { PreventableEvent, WebContentsLike } from './electron/ElectronModules.js';
import type { NavigationDecision, NavigationPolicy } from './NavigationPolicy.js';

export interface NavigationActions {
  signIn(): void;
  openLink(link: JoinLink): void;
  openExternal(url: string): void;
}

/**
 * Applies the navigation policy to a web page: navigations, redirects, frames and new windows.
 * New windows are never opened inside the app; links that ask for one go to the system browser.
 */
export class NavigationGuard {
  private readonly guarded = new WeakSet<WebContentsLike>();

  constructor(
    private readonly policy: NavigationPolicy,
    private readonly actions: NavigationActions,
  ) {}

  attach(contents: WebContentsLike): void {
    if (this.guarded.has(contents)) return;
    this.guarded.add(contents);
    contents.on('will-navigate', (event) => this.onNavigation(event, event.url, true));
    contents.on('will-redirect', (event) => this.onNavigation(event, event.url, event.isMainFrame));
    contents.on('will-frame-navigate', (event) => {
      if (!event.isMainFrame) this.onNavigation(event, event.url, false);
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      const decision = this.policy.decide(url);
      // The server's own pages asked for in a new window open in the browser; the app's own pages nowhere.
      if (decision.kind === 'allow') {
        if (/^https?:/i.test(url)) this.actions.openExternal(url);
      } else this.act(decision);
      return { action: 'deny' };
    });
  }

  private onNavigation(event: PreventableEvent, url: string, mainFrame: boolean): void {
    const decision = this.policy.decide(url);
    if (decision.kind === 'allow') return;
    event.preventDefault();
    // A frame inside a page never starts a sign-in or opens the browser by itself.
    if (mainFrame) this.act(decision);
  }

  private act(decision: NavigationDecision): void {
    switch (decision.kind) {
      case 'allow':
      case 'deny':
        return;
      case 'sign-in':
        return this.actions.signIn();
      case 'deep-link':
        return this.actions.openLink(decision.link);
      case 'external':
        return this.actions.openExternal(decision.url);
    }
  }
}
