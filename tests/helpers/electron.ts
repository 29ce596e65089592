import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = join(process.cwd(), 'node_modules', 'electron');

/** The folder holding the installed Electron runtime (what electron-builder calls electronDist). */
export function electronDist(): string {
  return process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist');
}

/**
 * The Electron binary when it is installed. Read from the package's path.txt
 * rather than require('electron'), which would try to download it.
 */
export function electronBinary(): string | null {
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(electronDist(), readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

export const NO_ELECTRON =
  'the Electron runtime binary is not installed (its download host is unreachable on this machine)';
