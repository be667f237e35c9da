// The API key of a WebSocket upgrade, for clients that cannot set headers.
import type { IncomingMessage } from 'node:http';

/**
 * Browsers cannot set headers on a WebSocket, so an upgrade to the stream may
 * carry its key as `?key=…` or as the subprotocols `bearer, <key>`. Both are
 * turned into the `Authorization` header before Fastify routes the request,
 * so the same `onRequest` check as every other route accepts or refuses it
 * before the upgrade. `key` also leaves the URL, so it is in no log.
 */
export function keyIntoHeader(matches: (path: string) => boolean): (req: IncomingMessage) => void {
  return (req) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (!matches(path)) return;
    let key: string | undefined;
    if (q !== -1) {
      const params = new URLSearchParams(url.slice(q + 1));
      const fromQuery = params.get('key');
      if (fromQuery !== null) {
        key = fromQuery;
        params.delete('key');
        const rest = params.toString();
        req.url = rest === '' ? path : `${path}?${rest}`;
      }
    }
    const protocols = req.headers['sec-websocket-protocol']?.split(',').map((p) => p.trim());
    // `ws` answers with the first subprotocol offered, `bearer`, so the key is never echoed back.
    if (key === undefined && protocols?.[0]?.toLowerCase() === 'bearer' && protocols[1]) key = protocols[1];
    if (key !== undefined && key !== '' && req.headers.authorization === undefined && req.headers['x-api-key'] === undefined) {
      req.headers.authorization = `Bearer ${key}`;
    }
  };
}

