/**
 * Pulumi's unknown values in a link's inputs (values not known until apply). Structural: only a
 * value that IS the sentinel is unknown (design-decisions.md "Unknown values are structural").
 */

/**
 * The sentinel Pulumi's dynamic-provider runtime puts where a value is not known until apply. Only a
 * value that IS this string is unknown; text that merely contains it (a `reason`, an address) is
 * ordinary input and gets every check.
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Paths (`cloud.userPrincipalName`, `additionalProxyAddresses[1]`) of the values that are unknown. */
export function unknownPaths(value: unknown, path = ""): string[] {
  if (value === UNKNOWN_VALUE) return [path === "" ? "(inputs)" : path];
  const out: string[] = [];
  // Iterative over an explicit stack: hostile input must not exhaust the call stack.
  const stack: { v: unknown; p: string; depth: number }[] = [{ v: value, p: path, depth: 0 }];
  while (stack.length > 0) {
    const { v, p, depth } = stack.pop()!;
    if (depth > 32 || v === null || typeof v !== "object") continue;
    const entries = Array.isArray(v)
      ? v.map((x, i) => [`${p}[${i}]`, x] as const)
      : Object.entries(v as Record<string, unknown>).map(
          ([k, x]) => [p === "" ? k : `${p}.${k}`, x] as const,
        );
    for (const [childPath, child] of entries) {
      if (child === UNKNOWN_VALUE) out.push(childPath);
      else stack.push({ v: child, p: childPath, depth: depth + 1 });
    }
  }
  return out.sort();
}
