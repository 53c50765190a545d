/**
 * Turns a case's plain-words `setup` into a recipe. The 310 setup texts are built from a few dozen
 * sentence kinds (config home, default signing key, trust store contents, files copied into the
 * config dir, credentials, experimental switch, files and directories created, permissions); each
 * sentence is matched by one rule below. Registry pushes and layout copies come from the
 * structured `artifacts` field instead. Sentences no rule knows are kept in `unparsed` and
 * reported, so a new setup wording shows up instead of silently building the wrong state.
 */
export type SetupAction =
  | { readonly kind: 'signingKey'; readonly name: string; readonly key: string; readonly cert: string }
  | { readonly kind: 'trustStore'; readonly type: string; readonly store: string; readonly files: readonly string[] }
  | { readonly kind: 'copy'; readonly from: string; readonly to: string }
  | { readonly kind: 'writeFile'; readonly path: string; readonly content: string }
  | { readonly kind: 'base64File'; readonly from: string; readonly to: string }
  | { readonly kind: 'mkdir'; readonly path: string }
  | { readonly kind: 'chmod'; readonly path: string; readonly mode: number }
  /** The e2e test plugin copied into `<home>/notation/plugins/e2e-plugin/`, with pluginkeys.json. */
  | { readonly kind: 'e2ePlugin' };

export interface SetupRecipe {
  readonly credentials: boolean;
  readonly experimental: boolean;
  readonly actions: readonly SetupAction[];
  /** Permission changes only bite for a non-root user. */
  readonly needsNonRoot: boolean;
  /** Quickstart-style shared state. */
  readonly shared: boolean;
  readonly unparsed: readonly string[];
}

/** Names of the setup rules that matched, for the report's count of distinct recipes. */
export function recipeSignature(recipe: SetupRecipe): string {
  const parts = recipe.actions.map((action) => {
    switch (action.kind) {
      case 'signingKey':
        return `key:${action.name}`;
      case 'trustStore':
        return `store:${action.type}/${action.store}=${action.files.map((f) => f.split('/').pop()).join('+')}`;
      case 'copy':
        return `copy:${action.from.split('/').pop()}->${action.to}`;
      default:
        return `${action.kind}:${'path' in action ? action.path : ''}`;
    }
  });
  if (recipe.credentials) parts.push('credentials');
  if (recipe.experimental) parts.push('experimental');
  return parts.join(' ');
}

const LOCALKEYS = 'testdata/config/localkeys';

/** `e2e.crt` → `testdata/config/localkeys/e2e.crt`; `X and Y.cer` after a path → same directory. */
function filesOf(text: string): string[] {
  const names = text.replace(/^both\s+/, '').split(/\s+and\s+|,\s*/).map((s) => s.trim()).filter(Boolean);
  let directory = LOCALKEYS;
  return names.map((name) => {
    if (name.includes('/')) {
      directory = name.slice(0, name.lastIndexOf('/'));
      return name;
    }
    return `${directory}/${name}`;
  });
}

export function parseSetup(setup: string): SetupRecipe {
  const actions: SetupAction[] = [];
  const unparsed: string[] = [];
  let credentials = false;
  let experimental = false;
  let needsNonRoot = false;
  let shared = false;
  // Sentences end with "." or ")" followed by a capital, "<", or "testdata".
  const sentences = setup.split(/(?<=[.)])\s+(?=[A-Z<]|testdata)/);
  for (const raw of sentences) {
    let sentence = raw.trim();
    let matched = false;
    const note = (): void => {
      matched = true;
    };
    if (/^Shared by all seven ordered cases/.test(sentence)) {
      shared = true;
      sentence = sentence.replace(/^Shared by all seven ordered cases, created once before the first:\s*/, '');
    }
    if (/^Fresh isolated user configuration/.test(sentence)) note();
    if (/State carries over|No signing key|No OCI trust policy|^It carries|^Its only signature|^that expired|^Second artifact|^That artifact is signed|^\(upstream|^\(Upstream/i.test(sentence)) note();
    if (/registry credentials set in NOTATION_USERNAME \/ NOTATION_PASSWORD/i.test(sentence)) {
      credentials = true;
      note();
    }
    if (/NOTATION_EXPERIMENTAL=1 is set/.test(sentence)) {
      experimental = true;
      note();
    }
    if (/No credential environment variables/.test(sentence)) note();
    const key = /Default signing key named "([^"]+)": (\S+?) and (\S+?) are copied/.exec(sentence);
    if (key) {
      const keyPath = key[2]!;
      const directory = keyPath.slice(0, keyPath.lastIndexOf('/'));
      actions.push({ kind: 'signingKey', name: key[1]!, key: keyPath, cert: key[3]!.includes('/') ? key[3]! : `${directory}/${key[3]}` });
      note();
    }
    // The crl and ocsp profiles: a key with a certificate chain file.
    const chainKey = /Default signing key "([^"]+)": (testdata\/\S+) with certificate file (testdata\/\S+) \(/.exec(sentence);
    if (chainKey) {
      actions.push({ kind: 'signingKey', name: chainKey[1]!, key: chainKey[2]!, cert: chainKey[3]! });
      note();
    }
    // Descriptions of the crl and ocsp services, which the harness runs (e2e/services.ts).
    if (/^The leaf certificate's (CRL distribution point|OCSP URL) is|^CRL test server on localhost:10086|^OCSP responder: `openssl ocsp` on localhost:10087/.test(sentence)) note();
    for (const store of sentence.matchAll(/(?:[Tt]rust store | and )(ca|signingAuthority|tsa)\/([\w.-]+) (?:holds|holding) (.+?)(?= \(added|\.$| and (?:ca|tsa|signingAuthority)\/| are configured|$)/g)) {
      actions.push({ kind: 'trustStore', type: store[1]!, store: store[2]!, files: filesOf(store[3]!.replace(/\.$/, '')) });
      note();
    }
    for (const copy of sentence.matchAll(/(testdata\/\S+?)(?: \([^)]*\))? (?:is )?(?:copied to|as) <home>\/notation\/([\w./-]*[\w-])/g)) {
      actions.push({ kind: 'copy', from: copy[1]!, to: copy[2]! });
      note();
    }
    const replaced = /replaced by (testdata\/\S+) \(copied to <home>\/notation\/([\w.-]+)\)/.exec(sentence);
    if (replaced) {
      actions.push({ kind: 'copy', from: replaced[1]!, to: replaced[2]! });
      note();
    }
    const file = /(?:The file|A file) <home>\/(\S+) with content "([^"]*)"/.exec(sentence);
    if (file) {
      actions.push({ kind: 'writeFile', path: file[1]!, content: file[2]! });
      note();
    }
    const empty = /An empty file <home>\/(\S+) is created/.exec(sentence);
    if (empty) {
      actions.push({ kind: 'writeFile', path: empty[1]!, content: '' });
      if (/mode 0000/.test(sentence)) {
        actions.push({ kind: 'chmod', path: empty[1]!, mode: 0 });
        needsNonRoot = true;
      }
      note();
    }
    const decoded = /(testdata\/\S+) is base64-decoded .* written to <home>\/(\S+?)\.$/.exec(sentence);
    if (decoded) {
      actions.push({ kind: 'base64File', from: decoded[1]!, to: decoded[2]! });
      note();
    }
    const directory = /An empty directory <home>\/(\S+) is created/.exec(sentence) ?? /A directory <home>\/(\S+) is created/.exec(sentence);
    if (directory) {
      actions.push({ kind: 'mkdir', path: directory[1]! });
      note();
    }
    const fakeDirectory = /A directory \(not a file\) named <home>\/(\S+) is created containing a file '([^']+)' with content '([^']*)'/.exec(sentence);
    if (fakeDirectory) {
      actions.push({ kind: 'mkdir', path: fakeDirectory[1]! });
      actions.push({ kind: 'writeFile', path: `${fakeDirectory[1]}/${fakeDirectory[2]}`, content: fakeDirectory[3]! });
      note();
    }
    const plugin = /File <home>\/(\S+) \(.*\) is created with content '([^']*)' and mode (0\d+)/.exec(sentence);
    if (plugin) {
      actions.push({ kind: 'writeFile', path: plugin[1]!, content: plugin[2]! });
      actions.push({ kind: 'chmod', path: plugin[1]!, mode: Number.parseInt(plugin[3]!, 8) });
      note();
    }
    if ((/mode 0[0-7]{3}/.test(sentence) || /^Its mode is then set to 0[0-7]{3}/.test(sentence)) && !plugin) {
      // Permission set-ups: only meaningful for a non-root user; applied by the runner when not root.
      const target = /<home>(\/\S+?)?(?= is set| to mode|\.|,| before| \()/.exec(sentence);
      const mode = /(?:mode|set to) (0[0-7]{3})/.exec(sentence);
      if (target && mode && !/^A directory <home>/.test(sentence) && !empty) {
        actions.push({ kind: 'chmod', path: (target[1] ?? '').replace(/^\//, ''), mode: Number.parseInt(mode[1]!, 8) });
      } else if (mode && directory) {
        actions.push({ kind: 'chmod', path: directory[1]!, mode: Number.parseInt(mode[1]!, 8) });
      } else if (mode && /^Its mode is then set to/.test(sentence)) {
        // "Its": the file the previous sentence copied into the config directory.
        const copied = [...actions].reverse().find((action) => action.kind === 'copy');
        if (copied?.kind === 'copy') actions.push({ kind: 'chmod', path: `notation/${copied.to}`, mode: Number.parseInt(mode[1]!, 8) });
      }
      needsNonRoot = true;
      note();
    }
    if (/^The e2e test plugin is installed by hand/.test(sentence)) {
      actions.push({ kind: 'e2ePlugin' });
      note();
    }
    if (/^A fresh copy of OCI layout|^Two fresh copies|^Then registry credentials|^Before the verify steps/.test(sentence)) note();
    if (!matched && sentence !== '') unparsed.push(sentence);
  }
  return { credentials, experimental, actions, needsNonRoot, shared, unparsed };
}
