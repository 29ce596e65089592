import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the folder with package.json above this bundle (out/main/ after a build). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export function appPaths(): {
  root: string;
  runbooks: string;
  renderer: string;
  redactionWorker: string;
  version: string;
} {
  const root = packageRoot();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return {
    root,
    runbooks: join(root, 'runbooks'),
    renderer: join(root, 'out', 'renderer'),
    redactionWorker: join(root, 'out', 'main', 'redaction-worker.js'),
    version: pkg.version,
  };
}
