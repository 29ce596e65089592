#!/usr/bin/env node
// Entry point for `npx runsheet`: the CLI is bundled to out/main/cli.js by `npm run build`
// (which `npm install` runs through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'runsheet: the app is not built yet; run `npm run build` in its folder first\n',
  );
  process.exit(2);
}
await import(cli.href);
