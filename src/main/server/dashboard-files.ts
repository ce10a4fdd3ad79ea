import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { PUBLIC } from './route-access';
import { cacheControlOf, PRECOMPRESSED_SUFFIXES } from './static-assets';

/** What `/` answers when the dashboard was not built. */
const NOT_BUILT = 'The dashboard is not built. Run `npm run build`, then reload. The API is under /api/v1/.';

/**
 * True when `path` (a file or folder under the dashboard root, or its `index.html`) and its
 * precompressed siblings (`path.br`, `path.gz`: what is sent instead to a browser that
 * accepts them) really lie inside `realRoot` once symlinks are followed: a link in the build
 * to `/etc` or to the data folder must not be served to anyone who asks, with no token. A
 * path that does not exist is allowed (the static plugin answers 404).
 */
function insideRoot(realRoot: string, path: string): boolean {
  return ['', ...PRECOMPRESSED_SUFFIXES].every((suffix) => fileInsideRoot(realRoot, path + suffix));
}

function fileInsideRoot(realRoot: string, path: string): boolean {
  try {
    const real = realpathSync(path);
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return false;
    return statSync(real).isDirectory() ? insideRoot(realRoot, join(real, 'index.html')) : true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Serves the built dashboard from `staticDir` at `/` (files looked up per request, so a
 * rebuild needs no restart), or a plain page saying it is not built. These are the only
 * public routes besides `/healthz` and `/api/v1/token-file`: the static plugin's routes are marked `public` by an
 * `onRoute` hook in their own encapsulated context, so no other route is. Dotfiles are refused
 * (403) and so is a file whose symlinks lead out of `staticDir` (404).
 * A browser that accepts brotli or gzip gets the file's precompressed sibling when the build
 * wrote one (`Content-Encoding`, `Vary: Accept-Encoding`); hashed assets are cached for good,
 * everything else revalidated (static-assets.ts).
 */
export function registerDashboard(app: FastifyInstance, staticDir: string | undefined): void {
  if (staticDir && existsSync(staticDir)) {
    const realRoot = realpathSync(staticDir);
    void app.register(async (scope) => {
      scope.addHook('onRoute', (route) => {
        route.config = { ...(route.config ?? {}), access: 'public' };
      });
      await scope.register(fastifyStatic, {
        root: staticDir,
        // A list: with `preCompressed`, the plugin looks up `/`'s index file only in a list.
        index: ['index.html'],
        dotfiles: 'deny',
        allowedPath: (pathName, root) => insideRoot(realRoot, join(root, pathName)),
        preCompressed: true,
        // Cache-Control is set per file below (send's own would override it).
        cacheControl: false,
        setHeaders: (res, path) => {
          res.setHeader('cache-control', cacheControlOf(relative(staticDir, path).split(sep).join('/')));
          res.setHeader('vary', 'accept-encoding');
        },
      });
    });
  } else {
    app.get('/', PUBLIC, async (_req, reply) => reply.type('text/plain; charset=utf-8').send(NOT_BUILT));
  }
}
