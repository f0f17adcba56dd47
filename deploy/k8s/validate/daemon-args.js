// The manifests agree with the binaries they run: every daemon container's
// arguments are parsed by the daemon built from this tree (an unknown or
// malformed flag makes it exit before serving, which no schema can see), and
// its gRPC probes ask the port its --health_listen serves, readiness the
// overall status and liveness the "liveness" service.
//
//   node daemon-args.js rcp-registryd=PATH ... rcp-admin=PATH RENDERED...
//
// Each of the four daemons and rcp-admin is named with the path of its
// binary. Each daemon container is run as `<binary> <args> --version`: the
// flags are parsed in full, then --version exits 0 without opening
// anything. Environment values given literally in the manifest are passed
// (the daemons read RCP_<FLAG> as flags); those from ConfigMaps and Secrets
// are not known here.
//
// Each rcp-admin container (init containers too: the backup CronJob runs
// one per service) is run as `rcp-admin <args> --dry_run`, which parses and
// checks them and touches nothing, after the $(VAR) references the kubelet
// expands: from literal env values, and a fieldRef to metadata.name as a pod
// name would read.
"use strict";

const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");
const { readObjects, inputFiles, describe } = require("./lib");

const DAEMONS = ["rcp-registryd", "rcp-eventsd", "rcp-documentsd", "rcp-gatewayd"];
const ADMIN = "rcp-admin";

// The kubelet's expansion of $(VAR) in command and args: a reference to a
// variable defined in the container's env is replaced, $$ is a literal $,
// and any other reference stays as written.
function expand(text, vars) {
  return String(text).replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name) => {
    if (whole === "$$") return "$";
    return Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : whole;
  });
}

// The variables of a container as the kubelet would define them, where they
// are known here. Each may name those defined before it.
function containerVars(c, object) {
  const vars = {};
  for (const e of c.env || []) {
    if (typeof e.value === "string") vars[e.name] = expand(e.value, vars);
    const field = ((e.valueFrom || {}).fieldRef || {}).fieldPath;
    if (field === "metadata.name") vars[e.name] = `${object.metadata.name}-28000000-abcde`;
    else if (field === "metadata.namespace") vars[e.name] = object.metadata.namespace || "default";
  }
  return vars;
}

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
  for (const d of [...DAEMONS, ADMIN]) {
    if (!binaries[d] || !fs.existsSync(binaries[d])) throw new Error(`give ${d}=PATH of a built binary`);
  }
  const problems = [];
  let checked = 0;
  let admins = 0;
  for (const file of inputFiles(rendered)) {
    const { objects, errors } = readObjects(file);
    problems.push(...errors);
    for (const { object } of objects) {
      const template = podTemplate(object);
      if (!template || !template.spec) continue;
      for (const c of [...(template.spec.initContainers || []), ...(template.spec.containers || [])]) {
        const argv = [...(c.command || []), ...(c.args || [])];
        if (argv.length === 0 || path.basename(argv[0]) !== ADMIN) continue;
        const where = `${path.basename(file)}: ${describe(object)}: container ${c.name}`;
        const vars = containerVars(c, object);
        const args = argv.slice(1).map((a) => expand(a, vars));
        const unexpanded = args.filter((a) => /\$\([^)]*\)/.test(a));
        if (unexpanded.length > 0) problems.push(`${where}: ${unexpanded.join(" ")} names a variable its env does not define`);
        const run = spawnSync(binaries[ADMIN], [...args, "--dry_run"], { env: { PATH: process.env.PATH }, encoding: "utf8", timeout: 30000 });
        admins++;
        if (run.error) {
          problems.push(`${where}: cannot run ${binaries[ADMIN]}: ${run.error.message}`);
        } else if (run.status !== 0 || !run.stdout.startsWith("would ")) {
          problems.push(`${where}: rcp-admin refuses its arguments (exit ${run.status}): ${(run.stderr || run.stdout).trim().split("\n")[0]}`);
        }
      }
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
  if (admins === 0) problems.push("no rcp-admin container was found: the backup and restore Jobs were not checked");
  for (const p of problems) console.log(`VIOLATION [daemon-args] ${p}`);
  console.log(`${checked} daemon containers and ${admins} rcp-admin containers checked against the binaries built here`);
  return problems.length === 0 ? 0 : 1;
}

try {
  process.exit(main(process.argv.slice(2)));
} catch (e) {
  console.error(`daemon-args.js: ${e.message}`);
  process.exit(2);
}
