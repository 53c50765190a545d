import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentError, OciError } from '../../errors.js';
import { RegistryServerError, toRegistryServerError } from './errors.js';

describe('toRegistryServerError', () => {
  const cases: ReadonlyArray<[Error, string, number]> = [
    [new OciError('ERR_OCI_INVALID_DIGEST', 'x'), 'DIGEST_INVALID', 400],
    [new OciError('ERR_OCI_DIGEST_MISMATCH', 'x'), 'DIGEST_INVALID', 400],
    [new OciError('ERR_OCI_SIZE_EXCEEDED', 'x'), 'SIZE_INVALID', 413],
    [new OciError('ERR_OCI_INVALID_MANIFEST', 'x'), 'MANIFEST_INVALID', 400],
    [new ContentError('ERR_CONTENT_NOT_FOUND', 'x'), 'BLOB_UNKNOWN', 404],
    [new Error('disk on fire'), 'UNKNOWN', 500],
  ];
  for (const [error, code, status] of cases) {
    it(`${error.message === 'x' ? (error as OciError).code : error.message} → ${status} ${code}`, () => {
      const mapped = toRegistryServerError(error);
      assert.equal(mapped.errorCode, code);
      assert.equal(mapped.status, status);
    });
  }
  it('never shows internal messages to clients', () => {
    assert.deepEqual(toRegistryServerError(new Error('/secret/path: EIO')).toBody(), {
      errors: [{ code: 'UNKNOWN', message: 'internal server error' }],
    });
  });
  it('carries a stable ERR_ code', () => {
    assert.equal(new RegistryServerError('NAME_INVALID', 'x').code, 'ERR_REGISTRY_SERVER_NAME_INVALID');
  });
});
