/**
 * Semantic versions as notation-go compares plugin versions (internal/semver): valid means the
 * semver.org regular expression (no leading `v`), and order is SemVer 2.0.0 precedence
 * (golang.org/x/mod/semver): numeric core, a pre-release sorts before the release, build
 * metadata is ignored.
 */
import { PluginError } from '../errors.js';

// https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Whether `version` is a semantic version (`1.2.3`, `1.0.0-rc.1+build`). */
export function isSemver(version: string): boolean {
  return SEMVER.test(version);
}

/** Decimal digit strings without leading zeros, compared by value however long. */
function compareNumeric(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrerelease(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  const left = a.split('.');
  const right = b.split('.');
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i]!;
    const y = right[i]!;
    if (x === y) continue;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) return compareNumeric(x, y);
    if (xNumeric) return -1;
    if (yNumeric) return 1;
    return x < y ? -1 : 1;
  }
  return left.length === right.length ? 0 : left.length < right.length ? -1 : 1;
}

/**
 * notation-go `ComparePluginVersion`: -1, 0 or 1 as `v` is lower than, equal to or higher than `w`.
 * @throws PluginError `ERR_PLUGIN_VERSION_INVALID` (`<v> is not a valid semantic version`)
 */
export function comparePluginVersions(v: string, w: string): number {
  const a = SEMVER.exec(v);
  if (a === null) throw new PluginError('ERR_PLUGIN_VERSION_INVALID', `${v} is not a valid semantic version`);
  const b = SEMVER.exec(w);
  if (b === null) throw new PluginError('ERR_PLUGIN_VERSION_INVALID', `${w} is not a valid semantic version`);
  for (let i = 1; i <= 3; i++) {
    const order = compareNumeric(a[i]!, b[i]!);
    if (order !== 0) return order;
  }
  return comparePrerelease(a[4], b[4]);
}
