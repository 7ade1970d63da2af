/**
 * Every function `mod.ts` exports carries an `@example` (they run as tests through
 * `deno test --doc`), read from `deno doc --json` so re-exports are followed.
 */
import assert from "node:assert/strict";
import { PROJECT_ROOT } from "./paths.ts";

interface DocDeclaration {
  kind: string;
  jsDoc?: { tags?: { kind: string }[] };
}

interface DocSymbol {
  name: string;
  declarations: DocDeclaration[];
}

Deno.test("every function src/mod.ts exports has a JSDoc @example", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", `${PROJECT_ROOT}/src/mod.ts`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const symbols = (Object.values(doc.nodes)[0] as { symbols: DocSymbol[] }).symbols;
  const functions = symbols.filter((s) => s.declarations.some((d) => d.kind === "function"));
  // The API is large; a handful would mean the JSON's shape changed under us.
  assert.ok(functions.length >= 50, `only ${functions.length} functions found`);
  const missing = functions
    .filter((s) =>
      !s.declarations.some((d) => d.jsDoc?.tags?.some((tag) => tag.kind === "example"))
    )
    .map((s) => s.name);
  assert.deepEqual(missing, [], `no @example: ${missing.join(", ")}`);
});
