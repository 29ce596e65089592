// Builds the app when out/ is missing or older than the sources, so `npm start`
// and `npm run serve` always run what is in src/.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outputs = [
  'out/main/index.js',
  'out/main/cli.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
].map((f) => join(root, f));

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
  }
  return latest;
}

const built = outputs.every((f) => existsSync(f))
  ? Math.min(...outputs.map((f) => statSync(f).mtimeMs))
  : 0;
const sources = Math.max(
  newest(join(root, 'src')),
  statSync(join(root, 'electron.vite.config.ts')).mtimeMs,
);
if (built < sources) {
  console.log('Building Runsheet…');
  execSync('npx electron-vite build', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
}
