import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp';

/** Debian's Redmine (scripts/redmine-install.sh), served on loopback for a test file. */
export interface TestRedmine {
  url: string;
  apiKey: string;
  project: string;
  /** GET on the REST API with the admin key. */
  get<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

const ROOT = '/usr/share/redmine';
export const HAS_REDMINE = existsSync(join(ROOT, 'config.ru'));
const ENV = 'RAILS_ENV=production REDMINE_INSTANCE=default HOME=/var/lib/redmine';

/** Redmine runs as www-data: running it as root leaves root-owned files that break later runs. */
function asWwwData(command: string): string[] {
  return ['-s', '/bin/sh', 'www-data', '-c', `cd ${ROOT} && ${ENV} ${command}`];
}

/**
 * Turns the REST API on, makes project `ops` (issue tracking, every tracker),
 * and starts Redmine on 127.0.0.1:`port`; resolves when /login answers.
 */
export async function startRedmine(port: number): Promise<TestRedmine> {
  const dir = tempDir('runsheet-redmine-');
  chmodSync(dir.path, 0o755);
  const setup = join(dir.path, 'setup.rb');
  writeFileSync(
    setup,
    [
      "Setting.rest_api_enabled = '1'",
      "Setting.text_formatting = 'common_mark'",
      "admin = User.find_by_login('admin')",
      'admin.must_change_passwd = false',
      'admin.save!',
      "project = Project.find_by_identifier('ops') || Project.create!(name: 'Ops', identifier: 'ops', is_public: true)",
      "project.enabled_module_names = (project.enabled_module_names + ['issue_tracking']).uniq",
      'project.trackers = Tracker.all',
      'project.save!',
      'puts "API_KEY=#{admin.api_key}"',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const configured = spawnSync('su', asWwwData(`bundle exec rails runner ${setup}`), {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const apiKey = /API_KEY=(\w+)/.exec(configured.stdout)?.[1];
  if (!apiKey) throw new Error(`Redmine setup failed:\n${configured.stdout}\n${configured.stderr}`);
  const child: ChildProcess = spawn(
    'su',
    asWwwData(`exec bundle exec rackup -E production -s thin -o 127.0.0.1 -p ${port} config.ru`),
    { stdio: 'ignore', detached: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    const ok = await fetch(`${url}/login`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`Redmine did not answer on ${url} within 90 s`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    apiKey,
    project: 'ops',
    get: async <T>(path: string) => {
      const response = await fetch(`${url}${path}`, { headers: { 'X-Redmine-API-Key': apiKey } });
      return (await response.json()) as T;
    },
    stop: async () => {
      // su and the server it started form one process group.
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await new Promise((r) => setTimeout(r, 300));
      dir.cleanup();
    },
  };
}
