import { createHash, timingSafeEqual } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { UsageError } from '../../errors.js';
import { RegistryServerError } from './errors.js';

/** bcrypt entries as `htpasswd -B` writes them ($2y$), and the $2a$/$2b$ spellings of the same scheme. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
/** Verified credentials are remembered this long: bcrypt costs ~100 ms per check by design. */
const CACHE_MS = 60_000;
const REALM = 'portcullis';

/** Parses an htpasswd file holding bcrypt entries only (other schemes are weak or unsalted). */
export function parseHtpasswd(text: string, file = 'htpasswd'): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, position) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1).trim();
    if (colon <= 0 || !BCRYPT_HASH.test(hash)) {
      throw new UsageError(`${file}:${position + 1}: expected "user:<bcrypt hash>" (create it with htpasswd -B)`);
    }
    users.set(user, hash);
  });
  return users;
}

/**
 * HTTP Basic authentication against htpasswd users. Unknown users cost a bcrypt comparison too,
 * so response time does not tell which user names exist.
 */
export class BasicAuthenticator {
  private readonly verified = new Map<string, { user: string; until: number }>();
  private readonly decoy: string;

  constructor(private readonly users: ReadonlyMap<string, string>) {
    this.decoy = bcrypt.hashSync('decoy', 10);
  }

  /** The authenticated user, or a 401 carrying the Basic challenge. */
  async authenticate(header: string | undefined, now = Date.now()): Promise<string> {
    const credentials = parseBasic(header);
    if (!credentials) throw challenge('authentication required');
    const key = createHash('sha256').update(header!).digest('hex');
    const cached = this.verified.get(key);
    if (cached && cached.until > now && safeEqual(cached.user, credentials.user)) return cached.user;
    const hash = this.users.get(credentials.user);
    const matches = await bcrypt.compare(credentials.password, hash ?? this.decoy);
    if (!hash || !matches) throw challenge('invalid username or password');
    this.remember(key, credentials.user, now);
    return credentials.user;
  }

  private remember(key: string, user: string, now: number): void {
    if (this.verified.size > 1000) this.verified.clear();
    this.verified.set(key, { user, until: now + CACHE_MS });
  }
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function challenge(message: string): RegistryServerError {
  return new RegistryServerError('UNAUTHORIZED', message, {
    headers: { 'WWW-Authenticate': `Basic realm="${REALM}"` },
  });
}
