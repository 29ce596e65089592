import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, expect, test, type Browser } from '@playwright/test';
import { extractAll, listPackage } from '@electron/asar';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { electronBinary, electronDist, NO_ELECTRON } from '../helpers/electron';
import { walkGettingStarted } from '../helpers/walk';

/** The fuses the package must carry (issue 13): what scripts/after-pack.mjs is for. */
const EXPECTED_FUSES: Record<FuseV1Options, boolean> = {
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: true,
  [FuseV1Options.WasmTrapHandlers]: true,
};
const FUSE_IDS = Object.keys(EXPECTED_FUSES).map(Number) as FuseV1Options[];

const root = process.cwd();

/** Runs a command in the project, failing the test with its output if it fails. */
function mustRun(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 600_000 });
  expect(result.status, `${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
}

/** The packaged executable electron-builder's `--dir` target laid out under `outDir`. */
function packagedExecutable(outDir: string): string {
  for (const dir of readdirSync(outDir)) {
    if (/^linux(-\w+)?-unpacked$/.test(dir)) return join(outDir, dir, 'runsheet');
    if (/^win(-\w+)?-unpacked$/.test(dir)) return join(outDir, dir, 'Runsheet.exe');
    if (/^mac(-\w+)?$/.test(dir)) return join(outDir, dir, 'Runsheet.app/Contents/MacOS/Runsheet');
  }
  throw new Error(`no packaged app in ${outDir}: ${readdirSync(outDir).join(', ')}`);
}

/** The resources folder beside the executable (app.asar, the runbooks). */
function resourcesOf(executable: string): string {
  return executable.includes('.app/Contents/MacOS/')
    ? join(executable, '../../Resources')
    : join(executable, '..', 'resources');
}

/** Scratch folders of a test: packages are tens of megabytes, removed after each test. */
const scratch: string[] = [];
function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runsheet-pack-'));
  scratch.push(dir);
  return dir;
}

async function expectFuses(executable: string): Promise<void> {
  const wire = await getCurrentFuseWire(executable);
  for (const id of FUSE_IDS) {
    const want = EXPECTED_FUSES[id] ? FuseState.ENABLE : FuseState.DISABLE;
    expect(wire[id], `fuse ${FuseV1Options[id]}`).toBe(want);
  }
}

test.describe('packaged app', () => {
  // Packaging copies node_modules into an archive: minutes, not seconds.
  test.describe.configure({ timeout: 900_000 });
  test.afterEach(() => {
    for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  test('the package step lays out the app and flips every fuse (a stand-in Electron binary)', async () => {
    test.skip(
      process.platform !== 'linux',
      'the stand-in binary is laid out as a Linux Electron; macOS and Windows are covered by the test on the real binary',
    );
    // electron-builder copies electronDist and renames its `electron`; the fuses live in a
    // wire found by its sentinel (docs/tutorial/fuses.md in Electron). The stand-in holds
    // such a wire, set to the opposite of every expected fuse, so each must be written.
    const work = workDir();
    const dist = join(work, 'electron-dist');
    const out = join(work, 'out');
    mkdirSync(dist);
    const wire = Buffer.from(FUSE_IDS.map((id) => (EXPECTED_FUSES[id] ? '0' : '1')).join(''));
    writeFileSync(
      join(dist, 'electron'),
      Buffer.concat([
        Buffer.from('\x7fELF stand-in for the Electron binary\n'),
        Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
        Buffer.from([1, wire.length]),
        wire,
        Buffer.alloc(64),
      ]),
    );
    chmodSync(join(dist, 'electron'), 0o755);

    mustRun(process.execPath, ['scripts/ensure-built.mjs']);
    mustRun('npx', [
      'electron-builder',
      '--linux',
      'dir',
      `-c.electronDist=${dist}`,
      `-c.directories.output=${out}`,
    ]);
    const executable = packagedExecutable(out);
    await expectFuses(executable);

    // The bundled runbooks are a real folder beside the archive (src/main/core-host.ts).
    const resources = resourcesOf(executable);
    expect(existsSync(join(resources, 'runbooks', 'getting-started.md'))).toBe(true);

    const asar = join(resources, 'app.asar');
    const files = new Set(listPackage(asar, { isPack: false }).map((f) => f.replaceAll('\\', '/')));
    for (const file of [
      '/package.json',
      '/out/main/index.js',
      '/out/main/redaction-worker.js',
      '/out/preload/index.cjs',
      '/out/renderer/index.html',
      '/node_modules/web-tree-sitter/tree-sitter.wasm',
      '/node_modules/tree-sitter-bash/tree-sitter-bash.wasm',
    ])
      expect(files, file).toContain(file);
    for (const file of [
      '/runbooks/getting-started.md', // extraResources, not in the archive
      '/node_modules/react-dom/package.json', // renderer-only: bundled by Vite
      '/node_modules/tree-sitter-bash/src/parser.c',
      '/node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node',
    ])
      expect(files, file).not.toContain(file);
    // node-pty's addon is a real file the OS can load.
    expect(
      existsSync(join(`${asar}.unpacked`, 'node_modules/node-pty/build/Release/pty.node')),
    ).toBe(true);

    // What the main bundle imports resolves inside the package, and the shell parser's
    // wasm loads from it: the archive's tree, run by Node (Electron is not here).
    const app = join(work, 'app');
    extractAll(asar, app);
    const mainDir = join(app, 'out', 'main');
    const specifiers = new Set<string>();
    for (const file of readdirSync(mainDir, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.js')) continue;
      const code = readFileSync(join(mainDir, file), 'utf8');
      for (const m of code.matchAll(/(?:from|import\()\s*"([^".][^"]*)"/g)) specifiers.add(m[1]!);
    }
    const packages = [...specifiers].filter((s) => !s.startsWith('node:') && s !== 'electron');
    expect(packages).toContain('node-pty');
    const imported = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `for (const s of ${JSON.stringify(packages)}) await import(s);`,
      ],
      { cwd: mainDir, encoding: 'utf8' },
    );
    expect(imported.status, imported.stderr).toBe(0);
    const runbook = join(work, 'danger.md');
    writeFileSync(runbook, '# Check\n\n```bash\nrm -rf /var/lib/app\n```\n');
    const inspect = spawnSync(
      process.execPath,
      [join(mainDir, 'cli.js'), 'inspect', '--json', runbook],
      {
        encoding: 'utf8',
      },
    );
    expect(inspect.status, inspect.stderr).toBe(0);
    expect(inspect.stdout).toContain('deletes /var/lib/app');
  });

  test('the packaged app carries its fuses and walks getting-started', async () => {
    test.skip(
      !electronBinary(),
      `${NO_ELECTRON}; the package layout and fuses were checked on a stand-in`,
    );
    const work = workDir();
    const out = join(work, 'dist');
    // The installed runtime (electronDist): no second download, and the very binary
    // whose presence decided this test runs.
    mustRun('npm', [
      'run',
      'package',
      '--',
      '--dir',
      `-c.electronDist=${electronDist()}`,
      `-c.directories.output=${out}`,
    ]);
    const executable = packagedExecutable(out);
    await expectFuses(executable);

    // Playwright's _electron.launch attaches to the main process through --inspect and
    // waits for "Debugger listening" (the EnableNodeCliInspectArguments fuse is off, so it
    // would wait forever: playwright.dev, class Electron, known issues). The renderer
    // needs none of that: start the app with Chromium's own --remote-debugging-port and
    // connect over CDP. --inspect and ELECTRON_RUN_AS_NODE are passed on purpose: the
    // fuses must make the app ignore both (a Node process would never open a window).
    const data = join(work, 'data');
    mkdirSync(data);
    const logDir = join(data, 'logs');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      RUNSHEET_LOG_DIR: logDir,
      RUNSHEET_DATA_DIR: data,
      HOME: data,
      ELECTRON_RUN_AS_NODE: '1',
    };
    delete env.NODE_OPTIONS;
    const args = ['--inspect=0', '--remote-debugging-port=0'];
    // As Playwright does on Linux: the unpacked folder's chrome-sandbox is not setuid
    // root (the .deb and AppImage set it up), and tests may run as root.
    if (process.platform === 'linux') args.unshift('--no-sandbox');
    const child = spawn(executable, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const endpoint = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the app printed no DevTools endpoint:\n${stderr}`)),
        60_000,
      );
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`the app exited (${code}):\n${stderr}`)));
      child.on('error', reject);
    });
    let browser: Browser | null = null;
    try {
      browser = await chromium.connectOverCDP(await endpoint);
      const context = browser.contexts()[0]!;
      const page = context.pages()[0] ?? (await context.waitForEvent('page'));
      // Loaded from inside the archive (the OnlyLoadAppFromAsar fuse allows nothing else).
      await expect(page).toHaveURL(/^file:.*app\.asar\/out\/renderer\/index\.html/);
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
        'undefined',
      );
      await walkGettingStarted(page, logDir);
      expect(stderr).not.toContain('Debugger listening');
    } finally {
      await browser?.close();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
      }
    }
  });
});
