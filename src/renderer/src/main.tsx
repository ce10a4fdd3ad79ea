import './mantine-styles';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createSupervisorClient } from './api';
import { App } from './app';

// The transport is chosen once for the page's lifetime (IPC in Electron, HTTP in a browser).
const client = createSupervisorClient();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App client={client} />
  </StrictMode>,
);
