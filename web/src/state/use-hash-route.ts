// Views by URL hash (#/history, #/directory/ring-groups), so the server
// serves one index.html and a reload or a bookmark lands on the same view.
import { useEffect, useState } from 'react';

export const ROUTES = ['operator', 'wallboard', 'history', 'directory'] as const;
export type Route = (typeof ROUTES)[number];

export interface HashRoute {
  route: Route;
  /** What follows the view's name (`ring-groups` in #/directory/ring-groups), or ''. */
  sub: string;
}

function current(): HashRoute {
  const [name = '', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const route = (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'operator';
  return { route, sub: route === name ? rest.join('/') : '' };
}

export function useHashRoute(): HashRoute {
  const [route, setRoute] = useState<HashRoute>(current);
  useEffect(() => {
    const on = (): void => setRoute(current());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
