// Views by URL hash (#/history), so the server serves one index.html and a
// reload or a bookmark lands on the same view.
import { useEffect, useState } from 'react';

export const ROUTES = ['operator', 'history', 'directory'] as const;
export type Route = (typeof ROUTES)[number];

function current(): Route {
  const name = location.hash.replace(/^#\/?/, '');
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'operator';
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const on = (): void => setRoute(current());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
