import { Component, type ReactNode } from 'react';

/** Shown while a page's script arrives (the room and History load on first use). */
export function PageLoading() {
  return (
    <main className="page-load" aria-busy="true">
      <p role="status">Loading…</p>
    </main>
  );
}

/**
 * A page whose script could not be fetched (the connection dropped, or a new version replaced the
 * files this tab was loaded with) says so and offers to reload, instead of leaving a blank screen.
 */
export class PageLoadBoundary extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <main className="page-load">
        <div className="notice notice--error" role="alert" data-testid="page-load-error">
          <p>This part of Parley could not be loaded: the connection may have dropped, or a new version was installed.</p>
          <button type="button" className="button button--primary button--small" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </main>
    );
  }
}
