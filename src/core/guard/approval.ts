/**
 * Signed approval of a plan, offline: the approver signs the plan's text with their
 * SSH key using OpenSSH's own signatures (`ssh-keygen -Y sign -n runsheet-plan`, as
 * git signs commits), and Runsheet checks it with `ssh-keygen -Y verify` against the
 * workspace's `allowed_signers`. No server, no account; OpenSSH does the cryptography.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanSignature, Runbook } from '../../shared/model';
import { readYamlFile } from '../files/yaml-file';

export const PLAN_NAMESPACE = 'runsheet-plan';

/** `approval: required` in the runbook's frontmatter or the workspace's hosts.yaml. */
export function approvalRequired(runbook: Runbook, workspaceDir: string): 'required' | 'none' {
  if (runbook.frontmatter.approval === 'required') return 'required';
  const hosts = readYamlFile<{ approval?: unknown }>(join(workspaceDir, 'hosts.yaml'));
  return hosts?.approval === 'required' ? 'required' : 'none';
}

/** Where a plan's text is saved for the approver; its signature goes beside it (`.sig`). */
export function approvalFile(workspaceDir: string, planSha256: string): string {
  return join(workspaceDir, 'approvals', `${planSha256}.plan`);
}

/**
 * The signature of this plan, verified, or why there is none that counts: no
 * allowed_signers file, a signer it does not list, a signature that does not
 * match the plan, or a signed plan for this runbook that differs from this one.
 */
export async function findSignature(
  workspaceDir: string,
  runbookId: string,
  planSha256: string,
  text: string,
): Promise<{ signature: PlanSignature | null; problem: string | null }> {
  const file = `${approvalFile(workspaceDir, planSha256)}.sig`;
  if (!existsSync(file)) {
    const other = signedPlansOf(workspaceDir, runbookId).filter((s) => s !== planSha256);
    return {
      signature: null,
      problem:
        other.length > 0
          ? `the plan changed since it was signed: the signed plan is ${other.map((s) => s.slice(0, 12)).join(', ')}…, this one is ${planSha256.slice(0, 12)}…`
          : null,
    };
  }
  try {
    return {
      signature: await verifySignature(workspaceDir, file, text, planSha256),
      problem: null,
    };
  } catch (error) {
    return { signature: null, problem: (error as Error).message };
  }
}

/** Checks a signature file over `text` against the workspace's allowed_signers. */
export async function verifySignature(
  workspaceDir: string,
  file: string,
  text: string,
  planSha256: string,
): Promise<PlanSignature> {
  const signers = join(workspaceDir, 'allowed_signers');
  if (!existsSync(signers))
    throw new Error(`no ${signers}: Runsheet cannot tell whose signature ${file} is`);
  const principals = await sshKeygen(['-Y', 'find-principals', '-s', file, '-f', signers]).catch(
    () => {
      throw new Error(`${file} is signed by a key that ${signers} does not list`);
    },
  );
  const principal = principals.split('\n')[0]!.trim();
  let verdict: string;
  try {
    verdict = await sshKeygen(
      ['-Y', 'verify', '-f', signers, '-I', principal, '-n', PLAN_NAMESPACE, '-s', file],
      text,
    );
  } catch {
    throw new Error(
      `${file} does not match this plan (${planSha256.slice(0, 12)}…): the plan changed since it was signed, or the signature is for another text`,
    );
  }
  // Good "runsheet-plan" signature for alice@example.com with ED25519 key SHA256:…
  const match = /signature for (.+) with (\S+) key (SHA256:\S+)/.exec(verdict);
  return {
    planSha256,
    signer: match?.[1] ?? principal,
    key: match ? `${match[2]} ${match[3]}` : 'unknown key',
    file,
  };
}

/** Plans saved for approval whose runbook is `runbookId`, by SHA-256. */
function signedPlansOf(workspaceDir: string, runbookId: string): string[] {
  const dir = join(workspaceDir, 'approvals');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^[0-9a-f]{64}\.plan\.sig$/.test(n))
    .map((n) => n.slice(0, 64))
    .filter((sha) => {
      try {
        const plan = JSON.parse(readFileSync(join(dir, `${sha}.plan`), 'utf8')) as {
          runbook?: { id?: unknown };
        };
        return plan.runbook?.id === runbookId;
      } catch {
        return false;
      }
    });
}

/** Runs OpenSSH's ssh-keygen (signatures: plans here, run bundles in journal/bundle.ts). */
export function sshKeygen(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('ssh-keygen', args, { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(String(stderr || error.message).trim()));
      else resolve(`${stdout}${stderr}`);
    });
    // ssh-keygen may exit before it reads its input (find-principals reads none): a
    // closed pipe is its answer, not a crash of this process.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}
