/**
 * A plan: what a run of a runbook would do, before anything runs. Schemas first;
 * types inferred. The SHA-256 covers exactly the plan's content (`PlanContent`);
 * the window verdict (whether the window is open at the moment of planning) and
 * the approval are about the moment, not the plan, and stay outside it.
 */
import { z } from 'zod';
import { DangerFlag } from './danger';
import { Rollout } from './rollout';

export const PlanStep = z.object({
  stepId: z.string(),
  line: z.number().int(),
  name: z.string(),
  /** The command as it would run: placeholders filled, secret values masked. */
  command: z.string(),
  /** Placeholders still without a value (the run asks for them). */
  missing: z.array(z.string()),
  /** Where it runs: host names, or `local` for this machine. */
  hosts: z.array(z.string()),
  danger: z.array(DangerFlag),
  /** Asks before it runs (destructive, or `confirm=true`). */
  asks: z.boolean(),
  /** Part of "Run all" (false: `excludeFromRunAll`, run only when started by hand). */
  runAll: z.boolean(),
  /**
   * Why the step cannot run (an error in the runbook: `blockedReason`); absent when nothing
   * stops it, so the plans of runbooks without errors hash as they always did.
   */
  blocked: z.string().optional(),
  /** A fan-out in batches (`batch=`, `maxFail=`, `pauseBetween=`): its batches; absent otherwise. */
  rollout: Rollout.optional(),
});
export type PlanStep = z.infer<typeof PlanStep>;

/** What is hashed and signed. */
export const PlanContent = z.object({
  version: z.literal(1),
  runbook: z.object({ id: z.string(), title: z.string(), sha256: z.string() }),
  environment: z.string(),
  /** The environment's maintenance window as written, and where. */
  window: z.object({ window: z.string().nullable(), source: z.string().nullable() }),
  /** `approval: required` in the runbook or hosts.yaml: production runs need a signed plan. */
  approval: z.enum(['required', 'none']),
  steps: z.array(PlanStep),
});
export type PlanContent = z.infer<typeof PlanContent>;

/** An approver's signature over a plan, as verified against allowed_signers. */
export const PlanSignature = z.object({
  planSha256: z.string(),
  signer: z.string(),
  /** The key's fingerprint (SHA256:…) and type. */
  key: z.string(),
  file: z.string(),
});
export type PlanSignature = z.infer<typeof PlanSignature>;

export const Plan = PlanContent.extend({
  sha256: z.string(),
  /** The canonical text that is hashed and signed (`ssh-keygen -Y sign -n runsheet-plan`). */
  text: z.string(),
  /** Whether the window is open now, when the plan was made. */
  verdict: z.object({
    at: z.string(),
    open: z.boolean().nullable(),
    message: z.string().nullable(),
  }),
  /** Whether this plan must be signed to run, and the signature found for it, if any. */
  signature: PlanSignature.nullable(),
  /** Why a signature was not accepted (unknown signer, a plan changed since signing), if one was found. */
  signatureProblem: z.string().nullable(),
  /** Where the approver saves the plan text and its signature. */
  approvalFile: z.string(),
});
export type Plan = z.infer<typeof Plan>;
