// `npm run package [-- <electron-builder options>]`: typecheck and build, then
// electron-builder (electron-builder.yml) for this platform's targets, or for what the
// options ask (`--linux`, `--mac`, `--win`, `--dir`, `-c.key=value`). Installers land in
// dist/.
//
// electron-builder builds the app around the Electron runtime for the target, which it
// downloads from the same host `npm install` takes Electron from. Where that install was
// skipped or failed, packaging would fail the same way after a minute of building, so
// say why up front instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const electron = join(root, 'node_modules', 'electron');

function electronInstalled() {
  const pathFile = join(electron, 'path.txt');
  if (!existsSync(pathFile)) return false;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electron, 'dist');
  return existsSync(join(dist, readFileSync(pathFile, 'utf8').trim()));
}

if (!electronInstalled()) {
  console.error(
    'npm run package: not packaging. The Electron runtime is not installed on this machine\n' +
      '(ELECTRON_SKIP_BINARY_DOWNLOAD was set, or its download host is unreachable), and\n' +
      'electron-builder needs that same runtime to build the app around. Install it with\n' +
      '`node node_modules/electron/install.js`, or run `npx electron-vite build && npx\n' +
      'electron-builder` where the host is reachable.',
  );
  process.exit(1);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run('npm', ['run', 'build']);
run('npx', ['electron-builder', ...process.argv.slice(2)]);
