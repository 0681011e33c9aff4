// The kubelet expands `$(NAME)` in env values, command and args, and turns `$$` into `$`.
// A value we mean literally (a prompt-derived id, a hostile extraArg) must be escaped, or
// `$(HOME)` in it would arrive as the pod's home directory.

/** Escape a literal so the kubelet's expansion gives it back unchanged. */
export function kubeLiteral(value: string): string {
  return value.replaceAll("$", "$$$$");
}

/** The kubelet's expansion, as a reference for tests and for kube-sim: `$$` -> `$`,
 * `$(NAME)` -> the value when NAME is defined, else left as written; anything else as is. */
export function expandKubeRefs(input: string, vars: ReadonlyMap<string, string>): string {
  let out = "";
  let cursor = 0;
  while (cursor < input.length) {
    const ch = input[cursor];
    if (ch !== "$" || cursor + 1 >= input.length) {
      out += ch;
      cursor += 1;
      continue;
    }
    const next = input[cursor + 1];
    if (next === "$") {
      out += "$";
      cursor += 2;
    } else if (next === "(") {
      const close = input.indexOf(")", cursor + 2);
      if (close < 0) return out + input.slice(cursor);
      const name = input.slice(cursor + 2, close);
      out += vars.get(name) ?? `$(${name})`;
      cursor = close + 1;
    } else {
      out += `$${next}`;
      cursor += 2;
    }
  }
  return out;
}
