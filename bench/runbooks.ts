import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** About `bytes` of realistic runbook Markdown: the seeds, repeated, with their sections renamed. */
export function bigRunbook(bytes: number): string {
  const dir = join(__dirname, '..', 'runbooks');
  const seeds = [
    'hd-compute-toolkit-maintenance.md',
    'infrastructure-maintenance.md',
    'getting-started.md',
  ]
    .map((f) => readFileSync(join(dir, f), 'utf8').replace(/^---\n[\s\S]*?\n---\n/, ''))
    .join('\n');
  let out = '---\ntitle: Big runbook\ncadence: monthly\n---\n';
  for (let i = 0; out.length < bytes; i++)
    out += seeds.replace(/^(#{1,6}) (.*)$/gm, `$1 $2 (${i})`) + '\n';
  return out;
}
