import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api/connect';
import { App } from './app/App';
import { bindEngine, useEngine } from './stores/engine-store';
import { bindHosts } from './stores/hosts-store';
import { bindJobs } from './stores/jobs-store';
import { bindVms } from './stores/vms-store';
import { bindPools } from './stores/pools-store';
import { bindNetworks } from './stores/networks-store';
import { bindLibrary } from './stores/library-store';
import './styles/app.css';

const client = connect();
if ('error' in client) {
  useEngine.setState({ status: 'no-token' });
} else {
  bindEngine(client);
  bindJobs(client);
  bindHosts(client);
  bindVms(client);
  bindPools(client);
  bindNetworks(client);
  bindLibrary(client);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
