// The console's browser entry: mounts the page the hash names.
import { h, replaceChildren } from './dom';
import { mountExecutionPage } from './pages/execution';
import { mountExecutionsPage } from './pages/executions';
import { mountFlowsPage } from './pages/flows';
import { mountQueuesPage } from './pages/queues';
import { parseRoute } from './router';

const root = document.getElementById('app') ?? document.body;
let cleanup: (() => void) | undefined;

function show(): void {
  cleanup?.();
  const route = parseRoute(location.hash);
  for (const a of Array.from(document.querySelectorAll('header nav a'))) {
    a.classList.toggle(
      'active',
      a.getAttribute('data-page') === (route.page === 'queues' ? 'queues' : 'flows'),
    );
  }
  const mount = document.createElement('div');
  replaceChildren(root, mount);
  switch (route.page) {
    case 'flows':
      cleanup = mountFlowsPage(mount);
      break;
    case 'executions':
      cleanup = mountExecutionsPage(mount, route.flow);
      break;
    case 'execution':
      cleanup = mountExecutionPage(mount, route.flow, route.execution);
      break;
    case 'queues':
      cleanup = mountQueuesPage(mount);
      break;
  }
  document.title = `${route.page === 'flows' ? 'Flows' : route.page === 'queues' ? 'Queues' : route.flow} · queueflow console`;
}

window.addEventListener('hashchange', show);
window.addEventListener('error', (ev) => {
  root.prepend(h('div', { class: 'error', role: 'alert' }, `Console error: ${ev.message}`));
});
show();
