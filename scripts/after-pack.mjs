// electron-builder's afterPack hook: flips the Electron fuses of the packaged binary,
// after the files are in place and before electron-builder signs it (a signature over
// the flipped bytes is what keeps them flipped on macOS and Windows).
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';

/**
 * Every fuse, set explicitly: with strictlyRequireAllFuses an Electron upgrade that adds
 * a fuse fails the package step until someone decides it, instead of shipping its default.
 */
export const FUSES = {
  // The app never runs itself as plain Node (ELECTRON_RUN_AS_NODE) nor forks.
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  // NODE_OPTIONS and --inspect would let anyone who can start the app inject code into
  // its main process, which holds the tracker tokens and the shells.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Code only from app.asar, and app.asar only as packaged (enforced on macOS and
  // Windows; Linux has no integrity check, there the fuse is inert).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // Electron's defaults, stated: one V8 snapshot; the renderer loads from file:// and
  // needs its usual privileges; WebAssembly (the shell parser) keeps its trap handlers.
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: true,
  [FuseV1Options.WasmTrapHandlers]: true,
};

/** electron-builder's Arch enum (builder-util): arm64 = 3, universal = 4. */
const ARM64 = 3;
const UNIVERSAL = 4;

/** The packaged executable: the .app bundle on macOS, the .exe on Windows, the ELF binary on Linux. */
export function packagedExecutable({ appOutDir, electronPlatformName, packager }) {
  switch (electronPlatformName) {
    case 'darwin':
    case 'mas':
      return join(appOutDir, `${packager.appInfo.productFilename}.app`);
    case 'win32':
      return join(appOutDir, `${packager.appInfo.productFilename}.exe`);
    default:
      return join(appOutDir, packager.executableName);
  }
}

export default async function afterPack(context) {
  const executable = packagedExecutable(context);
  const darwin =
    context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  await flipFuses(executable, {
    version: FuseVersion.V1,
    strictlyRequireAllFuses: true,
    // Flipping bytes breaks the ad-hoc signature Apple Silicon insists on; re-sign ad hoc
    // (a real identity, when configured, signs over it afterwards).
    resetAdHocDarwinSignature: darwin && (context.arch === ARM64 || context.arch === UNIVERSAL),
    ...FUSES,
  });
  console.log(`  • fuses flipped  executable=${executable}`);
}
