import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureSync } from '../../test/helpers/fixtures.js';
import { comparePluginVersions, isSemver } from './semver.js';

describe('plugin versions (notation-go internal/semver)', () => {
  it('accepts semantic versions without a leading v', () => {
    for (const version of ['0.0.1', '1.0.0', '10.20.30', '1.0.0-rc.1', '1.0.0-alpha.beta+exp.sha.5114f85', '1.0.0+20130313144700']) {
      assert.ok(isSemver(version), version);
    }
    for (const version of ['v1.0.0', '1.0', '01.0.0', '1.0.0-', '1.0.0-01', '1.0.0+', '', ' 1.0.0']) {
      assert.ok(!isSemver(version), version);
    }
  });

  it('orders by SemVer precedence, ignoring build metadata', () => {
    const ordered = ['0.9.9', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.0.11', '1.10.0', '2.0.0', '18446744073709551616.0.0'];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        assert.equal(comparePluginVersions(ordered[i]!, ordered[j]!), Math.sign(i - j), `${ordered[i]} vs ${ordered[j]}`);
      }
    }
    assert.equal(comparePluginVersions('1.0.0+build.1', '1.0.0+build.2'), 0);
  });

  it("refuses what is not a version, naming it as Go does", () => {
    assert.deepEqual(failureSync(() => comparePluginVersions('1.0', '1.0.0')), { code: 'ERR_PLUGIN_VERSION_INVALID', message: '1.0 is not a valid semantic version' });
    assert.deepEqual(failureSync(() => comparePluginVersions('1.0.0', 'v2')), { code: 'ERR_PLUGIN_VERSION_INVALID', message: 'v2 is not a valid semantic version' });
  });
});
