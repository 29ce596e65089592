import { app, safeStorage } from 'electron';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core';
import type { TrackerName } from '../shared/model';

/**
 * Tracker tokens in the OS keychain, through Electron's safeStorage: the file
 * holds only ciphertext (keychain / libsecret / kwallet / DPAPI keys). On Linux,
 * safeStorage's plain-text fallback ("basic_text") is refused: no token is kept
 * rather than one that any process of the user could read.
 */
export class KeychainTokens {
  private readonly file = join(app.getPath('userData'), 'tracker-tokens.json');

  /** Why tokens cannot be kept here, or null when they can. */
  unavailable(): string | null {
    if (!safeStorage.isEncryptionAvailable()) return 'the OS keychain is not available';
    if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text')
      return 'no keyring (libsecret or kwallet) is running, and tokens are not kept in plain text';
    return null;
  }

  get(tracker: TrackerName): string | null {
    if (this.unavailable()) return null;
    const sealed = this.read()[tracker];
    return sealed ? safeStorage.decryptString(Buffer.from(sealed, 'base64')) : null;
  }

  set(tracker: TrackerName, token: string): void {
    const why = this.unavailable();
    if (why) throw new Error(`cannot keep the ${tracker} token: ${why}`);
    const all = this.read();
    all[tracker] = safeStorage.encryptString(token).toString('base64');
    writeFileAtomic(this.file, `${JSON.stringify(all)}\n`, 0o600);
  }

  private read(): Record<string, string> {
    return existsSync(this.file)
      ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, string>)
      : {};
  }
}
