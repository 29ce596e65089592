/**
 * FNV-1a (32 bit) over UTF-16 code units, as 7 base-36 characters.
 * Step ids must be computed identically in Node and in the browser without
 * pulling a crypto dependency into `shared`; they are identifiers, not security.
 */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36).padStart(7, '0');
}

/** Lower-case, dash-separated slug for ids and file names. */
export function slugify(text: string, max = 48): string {
  // ASCII (most headings) has no accents to take off.
  const plain = /^[ -~]*$/.test(text)
    ? text
    : text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const slug = plain
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/g, '');
  return slug || 'untitled';
}
