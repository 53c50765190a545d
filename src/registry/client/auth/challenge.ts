/**
 * An authentication challenge from `WWW-Authenticate` (RFC 9110 §11.6.1): a scheme and its
 * parameters, names lowercased. `Bearer realm="https://auth.example/token",service="registry.example"`.
 */
export interface Challenge {
  /** Lowercased: `bearer`, `basic`. */
  readonly scheme: string;
  readonly parameters: ReadonlyMap<string, string>;
}

/** Longest header text parsed; real challenges are a few hundred bytes. */
const MAX_CHALLENGE_TEXT = 16 * 1024;
// Sticky patterns match at the parser's position without copying the rest of the text.
const TOKEN = /[A-Za-z0-9!#$%&'*+.^_`|~-]+/y;
const TOKEN68 = /[A-Za-z0-9._~+/-]+=*/y;
const SEPARATORS = /[\s,]+/y;
const SPACES = /\s*/y;
const UNTIL_COMMA = /[^,]*/y;
const TOKEN68_END = /\s*(?:,|$)/y;
// Unquoted values should be tokens; URLs sent bare (`realm=https://…`) are accepted up to a comma.
const BARE_VALUE = /[^\s,]+/y;
const PARAMETER_START = /[A-Za-z0-9!#$%&'*+.^_`|~-]+\s*=\s*[^=]/y;

/**
 * Parses one or more `WWW-Authenticate` values into challenges. Never throws: registries and
 * proxies send odd headers, and a hostile one must not crash the client. Quoted values may hold
 * commas and escaped quotes; unknown or broken parts are skipped.
 */
export function parseChallenges(values: readonly string[]): Challenge[] {
  const challenges: Challenge[] = [];
  for (const value of values) {
    const parser = new ChallengeParser(value.slice(0, MAX_CHALLENGE_TEXT));
    challenges.push(...parser.parse());
  }
  return challenges;
}

/** The challenge the client answers: Bearer when offered (it scopes access), else Basic. */
export function selectChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((challenge) => challenge.scheme === 'bearer') ?? challenges.find((c) => c.scheme === 'basic');
}

class ChallengeParser {
  private position = 0;

  constructor(private readonly text: string) {}

  parse(): Challenge[] {
    const challenges: Challenge[] = [];
    for (;;) {
      this.skip(SEPARATORS);
      if (this.position >= this.text.length) return challenges;
      const scheme = this.take(TOKEN);
      if (scheme === undefined) {
        // Not a scheme: drop everything up to the next comma and try again.
        this.skip(UNTIL_COMMA);
        continue;
      }
      challenges.push({ scheme: scheme.toLowerCase(), parameters: this.parseParameters() });
    }
  }

  /** Reads `name=value` pairs (or a token68) until the text ends or a new scheme starts. */
  private parseParameters(): Map<string, string> {
    const parameters = new Map<string, string>();
    this.skip(SPACES);
    if (this.isToken68()) {
      this.take(TOKEN68);
      return parameters;
    }
    for (;;) {
      const mark = this.position;
      this.skip(SEPARATORS);
      const name = this.take(TOKEN);
      if (name === undefined) return parameters;
      this.skip(SPACES);
      if (this.text[this.position] !== '=') {
        // A bare token is the next challenge's scheme: give it back.
        this.position = mark;
        return parameters;
      }
      this.position += 1;
      this.skip(SPACES);
      const value = this.text[this.position] === '"' ? this.quoted() : (this.take(BARE_VALUE) ?? '');
      const key = name.toLowerCase();
      // RFC 9110: each parameter name appears once; a repeat is ignored rather than trusted.
      if (!parameters.has(key)) parameters.set(key, value);
    }
  }

  /** A token68 (`Basic dXNlcjpwYXNz`) is a lone blob, not followed by `=` and a value. */
  private isToken68(): boolean {
    if (this.matchAt(PARAMETER_START, this.position) !== undefined) return false;
    const blob = this.matchAt(TOKEN68, this.position);
    return blob !== undefined && this.matchAt(TOKEN68_END, this.position + blob.length) !== undefined;
  }

  private quoted(): string {
    let value = '';
    this.position += 1;
    while (this.position < this.text.length) {
      const character = this.text[this.position]!;
      this.position += 1;
      if (character === '"') return value;
      if (character === '\\' && this.position < this.text.length) {
        value += this.text[this.position];
        this.position += 1;
        continue;
      }
      value += character;
    }
    // Unterminated: keep what was there rather than failing the whole header.
    return value;
  }

  private take(pattern: RegExp): string | undefined {
    const match = this.matchAt(pattern, this.position);
    if (match === undefined || match === '') return undefined;
    this.position += match.length;
    return match;
  }

  private matchAt(pattern: RegExp, position: number): string | undefined {
    pattern.lastIndex = position;
    return pattern.exec(this.text)?.[0];
  }

  private skip(pattern: RegExp): void {
    this.take(pattern);
  }
}
