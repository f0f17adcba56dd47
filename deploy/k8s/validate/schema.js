#!/usr/bin/env node
// Validates every rendered object against its schema, offline:
//   node schema.js RENDERED_DIR_OR_FILE...
//
// Two passes, both from the pinned packages of package.json:
//  1. the JSON schema of its kind (kubernetes-models for the built-in API,
//     @kubernetes-models/cert-manager and /prometheus-operator for their
//     CRDs): types, required fields, enums, formats (quantities, ports);
//  2. its TypeScript type, compiled with excess-property checks: those
//     schemas accept any unknown field, so a misspelt field (`servce:`,
//     `replica:`) that the API server would drop or refuse is caught here.
// An object of a kind none of them knows is an error, never passed over.
// Exits 1 with every problem listed, 0 when all is valid.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { readObjects, inputFiles, describe } = require("./lib");

// apiVersion (group/version) → the package folder that models it.
function modelModule(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (!/^[a-z0-9.-]*$/.test(group) || !/^v[0-9a-z]+$/.test(version) || !/^[A-Za-z]+$/.test(kind)) return null;
  let pkg;
  if (group === "cert-manager.io" || group === "acme.cert-manager.io") pkg = `@kubernetes-models/cert-manager/${group}/${version}`;
  else if (group === "monitoring.coreos.com") pkg = `@kubernetes-models/prometheus-operator/${group}/${version}`;
  else if (group === "") pkg = `kubernetes-models/${version}`;
  else pkg = `kubernetes-models/${group}/${version}`;
  return `${pkg}/${kind}`;
}

function resolveModel(apiVersion, kind) {
  const id = modelModule(apiVersion, kind);
  if (id === null) return null;
  try {
    const file = require.resolve(id, { paths: [__dirname] });
    const Model = require(file)[kind];
    if (typeof Model !== "function") return null;
    return { id, file, Model };
  } catch (e) {
    if (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return null;
    throw e;
  }
}

function schemaErrors(entries) {
  const problems = [];
  for (const entry of entries) {
    const o = entry.object;
    const where = `${path.basename(entry.file)}: ${describe(o)}`;
    entry.model = resolveModel(o.apiVersion, o.kind);
    if (entry.model === null) {
      problems.push(`${where}: no schema for ${o.apiVersion} ${o.kind} (add its models to package.json)`);
      continue;
    }
    try {
      new entry.model.Model(o).validate();
    } catch (e) {
      problems.push(`${where}: ${e.message}`);
    }
  }
  return problems;
}

// Pass 2: every object as a typed constant of its kind's interface, compiled
// with tsc's excess-property checks. Diagnostics are mapped back to objects
// by line.
function typeErrors(entries) {
  const ts = require("typescript");
  const lines = [];
  const spans = [];
  const imports = new Map();
  const typed = entries.filter((e) => e.model !== null);
  for (const entry of typed) {
    const base = entry.model.file.replace(/\.js$/, "");
    if (!imports.has(base)) imports.set(base, `T${imports.size}`);
  }
  for (const [base, alias] of imports) {
    const iface = `I${path.basename(base)}`;
    lines.push(`import type { ${iface} as ${alias} } from ${JSON.stringify(base)};`);
  }
  typed.forEach((entry, i) => {
    const alias = imports.get(entry.model.file.replace(/\.js$/, ""));
    const first = lines.length + 1;
    const body = `export const o${i}: ${alias} = ${JSON.stringify(entry.object, null, 2)};`.split("\n");
    lines.push(...body);
    spans.push({ first, last: lines.length, entry });
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rcp-k8s-types-"));
  try {
    const file = path.join(dir, "objects.ts");
    fs.writeFileSync(file, lines.join("\n") + "\n");
    const program = ts.createProgram([file], {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2020,
      types: [],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    const problems = [];
    for (const d of diagnostics) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      if (!d.file || path.resolve(d.file.fileName) !== path.resolve(file)) {
        problems.push(`type check: ${message}`);
        continue;
      }
      const { line } = d.file.getLineAndCharacterOfPosition(d.start);
      const span = spans.find((s) => line + 1 >= s.first && line + 1 <= s.last);
      const where = span ? `${path.basename(span.entry.file)}: ${describe(span.entry.object)}` : `line ${line + 1}`;
      const text = lines[line].trim();
      problems.push(`${where}: ${message.split("\n")[0]} (at \`${text.length > 80 ? text.slice(0, 77) + "..." : text}\`)`);
    }
    return problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main() {
  const files = inputFiles(process.argv.slice(2));
  const entries = [];
  const problems = [];
  for (const file of files) {
    const { objects, errors } = readObjects(file);
    problems.push(...errors);
    if (objects.length === 0) problems.push(`${file}: no objects`);
    entries.push(...objects);
  }
  problems.push(...schemaErrors(entries));
  problems.push(...typeErrors(entries));
  if (problems.length > 0) {
    for (const p of problems) console.error(`INVALID ${p}`);
    console.error(`schema: ${problems.length} problem(s) in ${entries.length} objects of ${files.length} file(s)`);
    process.exit(1);
  }
  const kinds = new Set(entries.map((e) => `${e.object.apiVersion} ${e.object.kind}`));
  console.log(`schema: ${entries.length} objects of ${files.length} file(s) valid (${[...kinds].sort().join(", ")})`);
}

try {
  main();
} catch (e) {
  console.error(`schema: ${e.message}`);
  process.exit(1);
}
