import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { applyDisplaySettings, loadDisplaySettings } from './settings/displaySettings';
import './styles/base.css';
import './styles/components.css';
import './styles/lobby.css';
import './styles/room.css';
import './styles/history.css';

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root element');

// Before the first paint, so a dark or high-contrast page never flashes light.
applyDisplaySettings(loadDisplaySettings());

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
