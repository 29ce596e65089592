/**
 * Pasted text as it may reach a shell: bracketed-paste markers (`ESC[200~`, `ESC[201~`),
 * which would end the paste early and run what follows, and other control characters
 * (C0 but tab and line ends, DEL, C1) removed. Says how many characters went.
 */
export function cleanPaste(text: string): { text: string; removed: number } {
  /* eslint-disable no-control-regex -- control characters are what this removes */
  const clean = text
    .replace(/\x1b\[20[01]~/g, '')
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]/g, '');
  /* eslint-enable no-control-regex */
  return { text: clean, removed: text.length - clean.length };
}
