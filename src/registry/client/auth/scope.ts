/**
 * Token scopes (distribution token spec): `repository:<name>:<actions>` with actions `pull`,
 * `push`, `delete` or `*`, and `registry:catalog:*`.
 *
 * @see https://distribution.github.io/distribution/spec/auth/scope/
 */
export type RepositoryAction = 'pull' | 'push' | 'delete' | '*';

export function repositoryScope(repository: string, actions: readonly RepositoryAction[]): string {
  return `repository:${repository}:${[...actions].sort().join(',')}`;
}

/**
 * Merges scopes that name the same resource and sorts them, so one set of scopes has one spelling:
 * `repository:a:push` + `repository:a:pull` → `repository:a:pull,push`. `*` absorbs every other
 * action. Scopes that do not parse are kept verbatim. The result keys the token cache.
 */
export function cleanScopes(scopes: Iterable<string>): string[] {
  const actionsByResource = new Map<string, Set<string>>();
  const verbatim = new Set<string>();
  for (const scope of scopes) {
    const parsed = parseScope(scope);
    if (parsed === undefined) {
      if (scope !== '') verbatim.add(scope);
      continue;
    }
    let actions = actionsByResource.get(parsed.resource);
    if (!actions) actionsByResource.set(parsed.resource, (actions = new Set()));
    for (const action of parsed.actions) actions.add(action);
  }
  const merged = [...actionsByResource].map(([resource, actions]) => {
    const list = actions.has('*') ? ['*'] : [...actions].sort();
    return `${resource}:${list.join(',')}`;
  });
  return [...merged, ...verbatim].sort();
}

/** Splits `type:name:actions`; the name may itself hold colons (a registry host with a port). */
function parseScope(scope: string): { resource: string; actions: string[] } | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter((action) => action !== '');
  if (actions.length === 0) return undefined;
  return { resource: scope.slice(0, last), actions };
}

/** Splits a challenge's `scope` parameter, which may list several scopes separated by spaces. */
export function splitScopeParameter(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(' ').filter((scope) => scope !== '');
}
