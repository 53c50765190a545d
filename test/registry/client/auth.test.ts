import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { RegistryError } from '../../../src/errors.js';
import {
  dockerCredentials,
  RegistryClient,
  staticCredentials,
  type Clock,
  type RegistryClientOptions,
  type RequestEvent,
} from '../../../src/registry/client/index.js';
import { startDistributionRegistry, type RunningRegistry } from '../../helpers/distribution-registry.js';
import { blobOf, makeImage, pushImage } from '../../helpers/oci-content.js';
import { temporaryDirectory, type TemporaryDirectory } from '../../helpers/temporary-directory.js';
import { startTokenServer, type TokenServer } from '../../helpers/token-server.js';
import { assertTool, requiredTool } from '../../helpers/tools.js';

const registryTool = requiredTool('registry', 'distribution v3, built by .ci/install-tools.sh into .tools/bin');
const ALICE = { username: 'alice', password: 'wonderland' };

function recordingClient(options: RegistryClientOptions): { client: RegistryClient; events: RequestEvent[] } {
  const events: RequestEvent[] = [];
  return { client: new RegistryClient({ ...options, onRequest: (event) => events.push(event) }), events };
}

const isUnauthorized = (pattern?: RegExp) => (error: unknown) =>
  error instanceof RegistryError && error.code === 'ERR_REGISTRY_UNAUTHORIZED' && error.status === 401 && (!pattern || pattern.test(error.message));

/** A clock that only moves when the test says so. */
function manualClock(): Clock & { advance(milliseconds: number): void } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  return { now: () => now, sleep: async () => undefined, advance: (milliseconds) => void (now += milliseconds) };
}

describe('registry auth: htpasswd Basic (distribution v3)', { skip: registryTool.skip }, () => {
  let directory: TemporaryDirectory;
  let registry: RunningRegistry;

  before(async () => {
    directory = await temporaryDirectory('htpasswd');
    const htpasswdPath = join(directory.path, 'htpasswd');
    await writeFile(htpasswdPath, `${ALICE.username}:${bcrypt.hashSync(ALICE.password, 4)}\n`);
    registry = await startDistributionRegistry(assertTool('registry', registryTool.path), { kind: 'htpasswd', htpasswdPath });
  });
  after(async () => {
    await registry?.stop();
    await directory?.remove();
  });

  it('answers the Basic challenge once, then sends Basic credentials up front', async () => {
    const { client, events } = recordingClient({ credentials: staticCredentials(ALICE) });
    try {
      const repository = client.repository(`${registry.host}/basic/app`);
      const image = makeImage();
      await pushImage(repository, image, ['v1']);
      assert.deepEqual(await repository.resolve('v1'), image.manifest.descriptor);
      assert.equal(events.filter((event) => event.status === 401).length, 1);
      assert.ok(events.slice(1).every((event) => event.requestHeaders.authorization === 'Basic [redacted]'));
    } finally {
      await client.close();
    }
  });

  it('reports wrong or missing credentials as ERR_REGISTRY_UNAUTHORIZED with the registry message', async () => {
    for (const credentials of [staticCredentials({ username: 'alice', password: 'wrong' }), undefined]) {
      const client = new RegistryClient(credentials ? { credentials } : {});
      try {
        await assert.rejects(
          client.repository(`${registry.host}/basic/app`).tags(),
          isUnauthorized(new RegExp(`^failed to list tags of ${registry.host}/basic/app: UNAUTHORIZED: authentication required \\(HTTP 401\\)$`)),
        );
        await assert.rejects(client.ping(registry.host), isUnauthorized());
      } finally {
        await client.close();
      }
    }
  });

  it('reads credentials from the docker config file found through DOCKER_CONFIG', async () => {
    const auth = Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64');
    await writeFile(join(directory.path, 'config.json'), JSON.stringify({ auths: { [`https://${registry.host}`]: { auth } } }));
    const client = new RegistryClient({ credentials: dockerCredentials({ env: { DOCKER_CONFIG: directory.path } }) });
    try {
      await client.ping(registry.host);
      const blob = blobOf(Buffer.from('from docker config'));
      await client.repository(`${registry.host}/basic/config`).push(blob.descriptor, blob.bytes);
    } finally {
      await client.close();
    }
  });
});

describe('registry auth: Bearer tokens (distribution v3 + token server)', { skip: registryTool.skip }, () => {
  let tokens: TokenServer;
  let registry: RunningRegistry;

  before(async () => {
    tokens = await startTokenServer({
      users: { [ALICE.username]: ALICE.password },
      identityTokens: { 'refresh-alice': ALICE.username },
      anonymousActions: ['pull'],
      expiresInSeconds: 120,
    });
    registry = await startDistributionRegistry(assertTool('registry', registryTool.path), {
      kind: 'token',
      realm: tokens.realm,
      service: tokens.service,
      issuer: tokens.issuer,
      rootCertificatePath: tokens.certificatePath,
    });
  });
  after(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  it('fetches one token per scope set and reuses it: cold resolve 3 requests, warm resolve 1', async () => {
    const { client, events } = recordingClient({ credentials: staticCredentials(ALICE) });
    try {
      const repository = client.repository(`${registry.host}/token/app`);
      const image = makeImage();
      await pushImage(repository, image, ['v1']);
      // A second, fresh client: its first resolve is cold.
      const readerEvents: RequestEvent[] = [];
      const counting = new RegistryClient({ credentials: staticCredentials(ALICE), onRequest: (event) => readerEvents.push(event) });
      try {
        const target = counting.repository(`${registry.host}/token/app`);
        const requestsBefore = tokens.requests.length;
        await target.resolve('v1');
        assert.deepEqual(
          readerEvents.map((event) => `${event.method} ${event.status}`),
          ['HEAD 401', 'GET 200', 'HEAD 200'],
          'cold: challenge, token, retry',
        );
        readerEvents.length = 0;
        await target.resolve('v1');
        await target.fetchManifest('v1');
        assert.deepEqual(readerEvents.map((event) => `${event.method} ${event.status}`), ['HEAD 200', 'GET 200'], 'warm: no auth round-trip');
        assert.equal(tokens.requests.length - requestsBefore, 1);
        assert.deepEqual(tokens.requests.at(-1)?.scopes, ['repository:token/app:pull']);
        assert.equal(tokens.requests.at(-1)?.user, 'alice');

        // Another repository on the same host: the realm is known, so the token comes first, no 401.
        readerEvents.length = 0;
        await assert.rejects(counting.repository(`${registry.host}/token/other`).resolve('v1'), { code: 'ERR_CONTENT_NOT_FOUND' });
        assert.deepEqual(readerEvents.slice(0, 2).map((event) => `${event.method} ${event.status}`), ['GET 200', 'HEAD 404']);
      } finally {
        await counting.close();
      }
      assert.equal(events.filter((event) => event.status === 401).length, 1, 'the pushing client met one challenge');
    } finally {
      await client.close();
    }
  });

  it('shares one token fetch between parallel requests of a cold client', async () => {
    const client = new RegistryClient({ credentials: staticCredentials(ALICE) });
    try {
      const repository = client.repository(`${registry.host}/token/parallel`);
      const before = tokens.requests.length;
      const blobs = Array.from({ length: 8 }, (_, position) => blobOf(Buffer.from(`parallel ${position}`)));
      assert.deepEqual(await Promise.all(blobs.map((blob) => repository.exists(blob.descriptor))), blobs.map(() => false));
      assert.equal(tokens.requests.length - before, 1);
    } finally {
      await client.close();
    }
  });

  it('fetches a new token when the cached one expires on the injected clock', async () => {
    const clock = manualClock();
    const client = new RegistryClient({ credentials: staticCredentials(ALICE), clock });
    try {
      const repository = client.repository(`${registry.host}/token/expiry`);
      const before = tokens.requests.length;
      await repository.tags().catch(() => undefined);
      await repository.tags().catch(() => undefined);
      assert.equal(tokens.requests.length - before, 1);
      clock.advance(121_000);
      await repository.tags().catch(() => undefined);
      assert.equal(tokens.requests.length - before, 2);
    } finally {
      await client.close();
    }
  });

  it('pulls anonymously but cannot push without credentials', async () => {
    const client = new RegistryClient();
    try {
      const repository = client.repository(`${registry.host}/token/app`);
      assert.ok((await repository.tags()).includes('v1'));
      const blob = blobOf(Buffer.from('anonymous push'));
      await assert.rejects(repository.push(blob.descriptor, blob.bytes), isUnauthorized(/UNAUTHORIZED/));
    } finally {
      await client.close();
    }
  });

  it('reports a token realm refusing the credentials as ERR_REGISTRY_UNAUTHORIZED', async () => {
    const client = new RegistryClient({ credentials: staticCredentials({ username: 'alice', password: 'nope' }) });
    try {
      await assert.rejects(client.ping(registry.host), isUnauthorized(/failed to fetch a token from http:\/\/127\.0\.0\.1:\d+\/token .*invalid username or password/));
    } finally {
      await client.close();
    }
  });

  it('uses the OAuth2 refresh-token grant for an identity token and the password grant when forced', async () => {
    for (const [options, grantType] of [
      [{ credentials: staticCredentials({ identityToken: 'refresh-alice' }) }, 'refresh_token'],
      [{ credentials: staticCredentials(ALICE), forceOAuth2: true }, 'password'],
    ] as const) {
      const client = new RegistryClient(options);
      try {
        const blob = blobOf(Buffer.from(`oauth2 ${grantType}`));
        await client.repository(`${registry.host}/token/oauth2`).push(blob.descriptor, blob.bytes);
        const last = tokens.requests.at(-1);
        assert.equal(last?.method, 'POST');
        assert.equal(last?.grantType, grantType);
        assert.deepEqual(last?.scopes, ['repository:token/oauth2:pull,push']);
      } finally {
        await client.close();
      }
    }
  });

  it('asks for pull on the source repository when mounting', async () => {
    const client = new RegistryClient({ credentials: staticCredentials(ALICE) });
    try {
      const blob = blobOf(Buffer.from('mount me with a token'));
      await client.repository(`${registry.host}/token/source`).push(blob.descriptor, blob.bytes);
      assert.equal(await client.repository(`${registry.host}/token/target`).mount(blob.descriptor, 'token/source'), 'mounted');
      assert.deepEqual(tokens.requests.at(-1)?.scopes, ['repository:token/source:pull', 'repository:token/target:pull,push']);
    } finally {
      await client.close();
    }
  });
});
