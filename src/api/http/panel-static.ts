// The web operator panel (web/, built by `npm run build:web` into web/dist)
// served as static files at `/`. The panel holds no secrets — it asks for an
// API key and talks only to the public /api/v1 — so its files need no key.
// Vite names every asset by its content hash, so assets are cached for good
// and index.html never is (a rebuild is seen at the next load).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { PbxError } from '../../core/errors.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** Where `npm run build:web` puts the panel. */
export const PANEL_DIST = resolve(new URL('../../../web/dist', import.meta.url).pathname);

const NOT_BUILT = '<!doctype html><meta charset="utf-8"><title>Switchboard</title><p>The web panel is not built. Run <code>npm run build:web</code> (done by <code>npm start</code>). The API is at <a href="/api/docs">/api/docs</a>.</p>';

export async function panelStatic(app: FastifyInstance, opts: { dist?: string } = {}): Promise<void> {
  const dist = opts.dist ?? PANEL_DIST;
  const config = { role: 'public' as const };
  const schema = { hide: true };

  app.get('/', { config, schema }, async (_req, reply) => {
    const index = join(dist, 'index.html');
    reply.header('cache-control', 'no-cache');
    // Nothing in the panel loads from elsewhere; the policy makes that a promise.
    reply.header('content-security-policy', "default-src 'self'; connect-src 'self'; media-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    if (!existsSync(index)) return reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
    return reply.type(CONTENT_TYPES['.html']!).send(createReadStream(index));
  });

  app.get(
    '/assets/:file',
    { config, schema: { ...schema, params: Type.Object({ file: Type.String({ maxLength: 120, pattern: '^[A-Za-z0-9_.-]+$' }) }) } },
    async (req, reply) => {
      const file = (req.params as { file: string }).file;
      const path = resolve(dist, 'assets', file);
      const type = CONTENT_TYPES[file.slice(file.lastIndexOf('.'))];
      // The pattern already forbids slashes; the prefix check keeps it that way.
      if (!path.startsWith(resolve(dist, 'assets') + sep) || type === undefined || !existsSync(path) || !statSync(path).isFile()) throw new PbxError('SB_NOT_FOUND', `no panel asset ${file}`);
      reply.header('cache-control', 'public, max-age=31536000, immutable');
      return reply.type(type).send(createReadStream(path));
    },
  );
}
