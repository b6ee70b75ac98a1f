import type { ConnectionState } from './roomReducer';

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return (
    <span className={`status status--${state}`} role="status">
      <span className="status-dot" aria-hidden="true" />
      <span className="visually-hidden">Connection: </span>
      <span data-testid="connection-state">{state}</span>
    </span>
  );
}
