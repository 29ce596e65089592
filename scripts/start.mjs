// `npm start`: the desktop app with the bundled runbooks. Where the Electron
// runtime cannot be installed (its binary comes from a separate download host),
// say so and start the same app in the browser instead (`runsheet serve`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
spawnSync(process.execPath, [join(root, 'scripts/ensure-built.mjs')], { stdio: 'inherit' });

const pkg = join(root, 'node_modules', 'electron');
function electronBinary() {
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

let binary = electronBinary();
if (!binary && existsSync(join(pkg, 'install.js'))) {
  console.log('Fetching the Electron runtime (first start only)…');
  const install = spawnSync(process.execPath, [join(pkg, 'install.js')], {
    stdio: 'ignore',
    timeout: 180_000,
  });
  if (install.status === 0) binary = electronBinary();
}

if (binary) {
  const child = spawn(binary, [root], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log(
    'The Electron runtime is not available on this machine (it could not be downloaded).\n' +
      'Starting Runsheet in your browser instead; open the URL below.\n',
  );
  const child = spawn(
    process.execPath,
    [join(root, 'bin/runsheet.js'), 'serve', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 0));
}
