// What the checks share: reading rendered manifests, naming objects, and
// the Kubernetes value formats (durations of the daemons' flags, resource
// quantities).
"use strict";

const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

// The objects of a multi-document YAML file, each with where it came from.
// YAML 1.1, as the API server's decoder reads it (so `0440` is octal and
// `yes` a boolean, as they would be when applied). A document that does not
// parse, or is not a mapping with apiVersion and kind, is an error.
function readObjects(file) {
  const text = fs.readFileSync(file, "utf8");
  const docs = YAML.parseAllDocuments(text, { version: "1.1", uniqueKeys: true });
  const objects = [];
  const errors = [];
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      errors.push(`${file}: document ${index + 1}: ${doc.errors.map((e) => e.message).join("; ")}`);
      return;
    }
    const value = doc.toJS({ maxAliasCount: -1 });
    if (value === null || value === undefined) return; // an empty document
    if (typeof value !== "object" || Array.isArray(value) || !value.apiVersion || !value.kind) {
      errors.push(`${file}: document ${index + 1} is not a Kubernetes object (no apiVersion and kind)`);
      return;
    }
    objects.push({ file, index: index + 1, object: value });
  });
  return { objects, errors };
}

// The files a check reads: each argument is a rendered YAML file, or a
// directory that render.sh filled (its index.txt lists the files, so that a
// render that went missing is noticed rather than skipped).
function inputFiles(args) {
  if (args.length === 0) throw new Error("give rendered YAML files, or the directory render.sh wrote");
  const files = [];
  for (const arg of args) {
    if (fs.statSync(arg).isDirectory()) {
      const index = path.join(arg, "index.txt");
      if (!fs.existsSync(index)) throw new Error(`${arg} has no index.txt: run render.sh into it first`);
      const listed = fs.readFileSync(index, "utf8").split("\n").filter(Boolean);
      if (listed.length === 0) throw new Error(`${index} lists no rendered overlay`);
      for (const name of listed) files.push(path.join(arg, name));
    } else {
      files.push(arg);
    }
  }
  return files;
}

function describe(o) {
  const ns = o.metadata && o.metadata.namespace ? `${o.metadata.namespace}/` : "";
  return `${o.kind} ${ns}${o.metadata ? o.metadata.name : "(unnamed)"}`;
}

// A Go duration as the daemons' flags take it (absl::ParseDuration): e.g.
// 5s, 1m30s, 500ms, 1.5h. Returns seconds, or NaN when it is not one.
function parseDuration(text) {
  const units = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  if (text === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  let match;
  while ((match = re.exec(text)) !== null) {
    total += parseFloat(match[1]) * units[match[2]];
    consumed = re.lastIndex;
  }
  return consumed === text.length && consumed > 0 ? total : NaN;
}

// A resource quantity (e.g. 1Gi, 512Mi, 250m, 2, 1e3) in its base unit
// (bytes, cores). NaN when it is not one.
function parseQuantity(value) {
  if (typeof value === "number") return value;
  const m = /^([+-]?\d+(?:\.\d+)?|[+-]?\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(String(value));
  if (!m) return NaN;
  const factors = {
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  };
  const suffix = m[2] || "";
  const factor = suffix === "" ? 1 : /^[eE]/.test(suffix) ? 10 ** parseInt(suffix.slice(1), 10) : factors[suffix];
  return parseFloat(m[1]) * factor;
}

module.exports = { readObjects, inputFiles, describe, parseDuration, parseQuantity };
