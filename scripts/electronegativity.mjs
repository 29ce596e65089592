// The Electron security scan in `npm test`: Doyensec's electronegativity over the app's
// sources (src/: main, preload, renderer and what they share) and package.json. Fails on
// any HIGH finding, on any other finding not in ALLOWED below (each with its reason), on
// an ALLOWED entry that no longer matches anything, and on a file it could not parse.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(import.meta.url);

/**
 * Findings reviewed and kept, by check and file (lines move; a new finding of the same
 * check in the same file is reviewed by whoever adds it). HIGH findings cannot be listed.
 */
const ALLOWED = [
  {
    id: 'AUXCLICK_JS_CHECK',
    file: 'src/main/windows.ts',
    reason:
      "middle-click can only open a window or navigate, and windows.ts refuses both (setWindowOpenHandler denies every window, will-navigate and will-redirect are prevented, and the URL goes to the page's link dialog); the suggested disableBlinkFeatures: 'Auxclick' names no feature Chromium still has (electron/electron#10315)",
  },
  {
    id: 'PRELOAD_JS_CHECK',
    file: 'src/main/windows.ts',
    reason:
      'reviewed: the preload (src/preload/index.ts) runs sandboxed and exposes one bridge, invoke and on, for the method and event names of the contract only; no ipcRenderer, no Node',
  },
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'src/main/core-host.ts',
    reason:
      "the one call of shell.openExternal, behind app.openLink: the contract's schema lets only http:, https: and mailto: URLs (parsed, at most 4 kB) through, after the user confirmed the link in the page's dialog; file:, smb: and custom schemes, which could run programs, are refused (src/core/links.test.ts)",
  },
  {
    id: 'OPEN_EXTERNAL_JS_CHECK',
    file: 'src/core/core.ts',
    reason:
      "the app.openLink handler calling the opener core-host.ts gives it (the scanner matches the option's name): the URL is the contract-checked one, normalised by openableUrl",
  },
  {
    id: 'CSP_GLOBAL_CHECK',
    file: 'src/main/security.ts',
    reason:
      "the header's value is the RENDERER_CSP constant (src/shared/api/wire.ts), which the scanner cannot read; it is index.html's policy plus frame-ancestors 'none'",
  },
  {
    id: 'CSP_GLOBAL_CHECK',
    file: 'src/renderer/index.html',
    reason:
      "csp-evaluator's one remark is script-src 'self' (a risk where the origin serves JSONP or uploads). Under file:// 'self' may also cover other local files, so a script element injected into the page could load one: every Markdown rendering is sanitized by DOMPurify (no scripts, no handlers), and serving the renderer from a custom protocol would narrow 'self' to the bundle",
  },
  {
    id: 'ELECTRON_VERSION_JSON_CHECK',
    file: 'package.json',
    reason: 'informational: it reports the Electron version package.json asks for',
  },
];

/**
 * electronegativity fetches translations from S3 at every start and, in one check,
 * Electron's release list from GitHub. A security gate must not depend on the network
 * (CI reaches neither): its HTTP client answers "not found" at once, so it uses its
 * bundled English texts. Electron's currency is npm's business (`npm outdated`).
 */
const engMain = require.resolve('@doyensec/electronegativity');
const gotPath = createRequire(engMain).resolve('got');
const offline = async () => ({ statusCode: 404, body: '{}' });
offline.head = offline;
require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline };
const scan = require(engMain);

// The installed Electron, so that checks whose defaults changed across versions judge ours.
const electronVersion = JSON.parse(
  readFileSync(join(dirname(require.resolve('electron/package.json')), 'package.json'), 'utf8'),
).version;

const runs = [
  {
    input: join(root, 'src'),
    prefix: 'src/',
    options: { excludeFromScan: ['AvailableSecurityFixesGlobalCheck'] },
  },
  {
    // Command-line switches and security warnings turned off in package.json.
    input: join(root, 'package.json'),
    prefix: '',
    options: {
      customScan: [
        'ElectronVersionJSONCheck',
        'CustomArgumentsJSONCheck',
        'SecurityWarningsDisabledJSONCheck',
      ],
    },
  },
];

const findings = [];
const problems = [];
for (const { input, prefix, options } of runs) {
  const result = await scan({
    input,
    isRelative: true,
    electronVersionOverride: electronVersion,
    ...options,
  });
  for (const error of result.errors)
    if (!error.tolerable) problems.push(`could not parse ${prefix}${error.file}: ${error.message}`);
  for (const issue of result.issues) {
    // A single-file input reports its file by name; a folder, relative to the folder.
    const file = issue.file === 'N/A' ? 'N/A' : prefix + issue.file.replace(/^\.\//, '');
    findings.push({ ...issue, file: prefix === '' ? 'package.json' : file });
  }
}

const used = new Set();
let failed = problems.length;
for (const f of findings) {
  const where = `${f.file}:${f.location?.line ?? 0}`;
  const head = `${f.severity.name.padEnd(13)} ${f.id} ${where} — ${f.description}`;
  const entry = ALLOWED.find((a) => a.id === f.id && a.file === f.file);
  if (f.severity.name === 'HIGH') {
    failed += 1;
    console.log(`FAIL  ${head}\n      (HIGH findings must be fixed, not allowed)`);
  } else if (entry) {
    used.add(entry);
    console.log(`ok    ${head}\n      allowed: ${entry.reason}`);
  } else {
    failed += 1;
    console.log(
      `FAIL  ${head}\n      not reviewed: fix it, or add it to ALLOWED in scripts/electronegativity.mjs with the reason`,
    );
  }
}
for (const entry of ALLOWED) {
  if (used.has(entry)) continue;
  failed += 1;
  console.log(`FAIL  ALLOWED entry ${entry.id} in ${entry.file} matches nothing now: remove it`);
}
for (const problem of problems) console.log(`FAIL  ${problem}`);

console.log(
  `electronegativity (Electron ${electronVersion}): ${findings.length} findings, ${failed} not accepted`,
);
process.exit(failed > 0 ? 1 : 0);
