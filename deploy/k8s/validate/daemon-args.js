// The manifests agree with the binaries they run: every daemon container's
// arguments are parsed by the daemon built from this tree (an unknown or
// malformed flag makes it exit before serving, which no schema can see), and
// its gRPC probes ask the port its --health_listen serves, readiness the
// overall status and liveness the "liveness" service.
//
//   node daemon-args.js rcp-registryd=PATH ... RENDERED...
//
// Each of the four daemons is named with the path of its binary. Each container is run as `<binary> <args> --version`: the flags are parsed
// in full, then --version exits 0 without opening anything. Environment
// values given literally in the manifest are passed (the daemons read
// RCP_<FLAG> as flags); those from ConfigMaps and Secrets are not known here.
"use strict";

const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");
const { readObjects, inputFiles, describe } = require("./lib");

const DAEMONS = ["rcp-registryd", "rcp-eventsd", "rcp-documentsd", "rcp-gatewayd"];

function podTemplate(o) {
  if (o.kind === "CronJob") return ((o.spec || {}).jobTemplate || {}).spec?.template;
  return (o.spec || {}).template;
}

function flagValue(args, name) {
  for (const a of args) {
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

function main(argv) {
  const binaries = {};
  const rendered = [];
  for (const a of argv) {
    const m = /^(rcp-[a-z]+)=(.+)$/.exec(a);
    if (m) binaries[m[1]] = m[2];
    else rendered.push(a);
  }
  for (const d of DAEMONS) {
    if (!binaries[d] || !fs.existsSync(binaries[d])) throw new Error(`give ${d}=PATH of a built binary`);
  }
  const problems = [];
  let checked = 0;
  for (const file of inputFiles(rendered)) {
    const { objects, errors } = readObjects(file);
    problems.push(...errors);
    for (const { object } of objects) {
      const template = podTemplate(object);
      if (!template || !template.spec) continue;
      for (const c of template.spec.containers || []) {
        const command = c.command || [];
        if (command.length === 0 || !DAEMONS.includes(path.basename(command[0]))) continue;
        const where = `${path.basename(file)}: ${describe(object)}: container ${c.name}`;
        const binary = binaries[path.basename(command[0])];
        const args = [...command.slice(1), ...(c.args || [])];
        const env = { PATH: process.env.PATH };
        for (const e of c.env || []) {
          if (typeof e.value === "string") env[e.name] = e.value;
        }
        const run = spawnSync(binary, [...args, "--version"], { env, encoding: "utf8", timeout: 30000 });
        checked++;
        if (run.error) {
          problems.push(`${where}: cannot run ${binary}: ${run.error.message}`);
        } else if (run.status !== 0 || !run.stdout.startsWith(`${path.basename(command[0])} `)) {
          problems.push(`${where}: ${path.basename(command[0])} refuses its arguments (exit ${run.status}): ${
            (run.stderr || run.stdout).trim()}`);
        }

        const health = flagValue(args, "health_listen");
        const healthPort = health === undefined ? undefined : Number(health.slice(health.lastIndexOf(":") + 1));
        for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
          const grpc = (c[kind] || {}).grpc;
          if (!grpc) continue;  // the policy check demands gRPC probes
          if (healthPort === undefined) {
            problems.push(`${where}: ${kind} is a gRPC probe but the daemon has no --health_listen`);
            continue;
          }
          if (grpc.port !== healthPort) {
            problems.push(`${where}: ${kind} probes port ${grpc.port}, but --health_listen serves ${healthPort}`);
          }
          const want = kind === "livenessProbe" ? "liveness" : "";
          if ((grpc.service || "") !== want) {
            problems.push(`${where}: ${kind} asks for service "${grpc.service || ""}", not "${want}"`);
          }
        }
      }
    }
  }
  if (checked === 0) problems.push("no daemon container was found: nothing was checked");
  for (const p of problems) console.log(`VIOLATION [daemon-args] ${p}`);
  console.log(`${checked} daemon containers checked against the binaries built here`);
  return problems.length === 0 ? 0 : 1;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (e) {
  console.error(`daemon-args.js: ${e.message}`);
  process.exit(2);
}
