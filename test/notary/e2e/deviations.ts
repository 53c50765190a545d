/**
 * Cases of cases.json where Portcullis deliberately behaves differently from Notation. The harness
 * runs them like any other case; one that fails is recorded as `deviation` (with the reason
 * below), not as a failure — provided `confirm` finds that it failed the way the product decision
 * says, so an unrelated breakage still shows up as a failure. A listed case that passes is a
 * failure too: the deviation is gone, remove it from this list.
 *
 * Adding an entry is a product decision: say why, and what the case's steps show instead.
 */
import type { StepResult } from './runner.js';

export interface DeliberateDeviation {
  /** Why Portcullis differs, for the report. */
  readonly reason: string;
  /** Undefined when the steps show the documented behaviour, else what is wrong. */
  confirm(steps: readonly StepResult[]): string | undefined;
}

/**
 * `--oci-layout` and `--scope` work without NOTATION_EXPERIMENTAL. cases.json (taken from
 * Notation's main branch) expects `Error: flag(s) --oci-layout… is experimental and not enabled
 * by default`; Portcullis treats OCI layouts as a supported input (they are how images are signed
 * before they are pushed, and how the admission tests run offline), so it never refuses them.
 * With NOTATION_EXPERIMENTAL=1 set it still prints Notation's experimental warning, so scripts
 * that set the variable see Notation's output.
 */
const OCI_LAYOUT_WITHOUT_EXPERIMENTAL =
  'product decision: --oci-layout and --scope work without NOTATION_EXPERIMENTAL (Notation refuses them unless NOTATION_EXPERIMENTAL=1)';

/** The command went past flag checking: no experimental refusal on stderr. */
function notRefusedAsExperimental(steps: readonly StepResult[]): string | undefined {
  const step = steps[0];
  if (step === undefined) return 'the step did not run';
  if (/experimental/i.test(step.stderr)) return `the command refused the flag: ${step.stderr.trim()}`;
  return undefined;
}

export const DELIBERATE_DEVIATIONS: Readonly<Record<string, DeliberateDeviation>> = {
  // `sign --oci-layout <layout>@<digest>` signs the layout (exit 0, "Successfully signed").
  'sign-oci-layout-without-experimental': {
    reason: OCI_LAYOUT_WITHOUT_EXPERIMENTAL,
    confirm: (steps) => notRefusedAsExperimental(steps) ?? (steps[0]!.code === 0 && /Successfully signed/.test(steps[0]!.stdout) ? undefined : `sign did not sign: ${steps[0]!.stderr.trim()}`),
  },
  // `verify --oci-layout --scope local/e2e <layout>@<digest>` verifies: the unsigned layout has no signature.
  'verify-oci-layout-without-experimental': {
    reason: OCI_LAYOUT_WITHOUT_EXPERIMENTAL,
    confirm: (steps) => notRefusedAsExperimental(steps) ?? (/no signature is associated with/.test(steps[0]!.stderr) ? undefined : `verify did not verify: ${steps[0]!.stderr.trim()}`),
  },
};
