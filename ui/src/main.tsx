/**
 * The fsql registry in a browser: search, a page per object, monitoring.
 * Read-only; it reads the server's own registry and monitoring API (same
 * origin) and loads nothing from anywhere else.
 */
import { render } from 'preact';
import { MonitoringPage } from './monitoring';
import { ObjectPage } from './object-page';
import { href, useRoute } from './route';
import { SearchPage } from './search';
import './style.css';

function App() {
  const route = useRoute();
  const page = route.path[0] ?? '';
  return (
    <>
      <header class="top">
        <a class="brand" href={href([])}>
          <span class="logo">f</span> fsql <span class="muted">registry</span>
        </a>
        <nav>
          <a href={href([])} class={page === '' ? 'on' : ''}>
            Search
          </a>
          <a href={href(['monitoring'])} class={page === 'monitoring' ? 'on' : ''}>
            Monitoring
          </a>
          <a href="/openapi.json">API</a>
        </nav>
      </header>
      <main class="page">
        {page === 'object' ? <ObjectPage route={route} /> : page === 'monitoring' ? <MonitoringPage /> : <SearchPage route={route} />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
