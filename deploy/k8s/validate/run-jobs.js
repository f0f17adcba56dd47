#!/usr/bin/env node
// Runs the rendered backup CronJob and restore Jobs against the rendered
// data services, on this machine, as a kubelet would run their pods: the
// exact command lines, env and volumes, with only the mount paths moved
// under a scratch directory. Run inside its own network and mount
// namespaces by run-jobs.sh, which binds an /etc/hosts naming rcp-registry,
// rcp-events and rcp-documents 127.0.0.1 (the names the services'
// certificates carry) and brings up a loopback of its own, so the rendered
// ports are free.
//
//   node run-jobs.js WORK_DIR BASE.yaml RESTORE.yaml MAKE_CERTS rcp-registryd=PATH ... rcp-admin=PATH
//
// 1. makes the Secrets the base needs with make-certs.sh (one CA for the
//    services, one for the gateway's client certificate) and a token;
// 2. starts the three StatefulSets' pods and waits for their gRPC ports;
// 3. runs the CronJob's pod twice (init containers in order, then the
//    rest), with KEEP=1 the second time: the latest backup is complete, the
//    older one pruned, incomplete/ gone;
// 4. stops the services, runs the restore Jobs onto their volumes, starts
//    them again, and backs up once more: every store is in a new epoch, at
//    the revision it was restored at or later.
// Exits 1 naming the first step that failed.
"use strict";

const fs = require("fs");
const net = require("net");
const path = require("path");
const { spawn, spawnSync } = require("child_process");
const { readObjects } = require("./lib");

const [work, basePath, restorePath, makeCerts, ...binaryArgs] = process.argv.slice(2);
if (!binaryArgs.length) {
  console.error("usage: run-jobs.js WORK_DIR BASE.yaml RESTORE.yaml MAKE_CERTS rcp-registryd=PATH ... rcp-admin=PATH");
  process.exit(1);
}
const binaries = {};
for (const a of binaryArgs) {
  const m = /^(rcp-[a-z]+)=(.+)$/.exec(a);
  if (!m) throw new Error(`not PROGRAM=PATH: ${a}`);
  binaries[m[1]] = m[2];
}
const SERVICES = ["registry", "events", "documents"];

function fail(message) {
  console.error(`run-jobs: FAILED ${message}`);
  process.exit(1);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function load(file) {
  const { objects, errors } = readObjects(file);
  if (errors.length) fail(errors.join("; "));
  return objects.map((e) => e.object);
}
const base = load(basePath);
const restore = load(restorePath);
const find = (objects, kind, name) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) fail(`no ${kind} ${name} rendered`);
  return o;
};

// --- Secrets, as README.md (Secrets) makes them.
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
const certs = path.join(work, "certs");
function makeCa(dir, names) {
  const r = spawnSync(makeCerts, [dir, ...names], { encoding: "utf8" });
  if (r.status !== 0) fail(`make-certs.sh ${dir}: ${r.stdout}${r.stderr}`);
}
makeCa(`${certs}/internal`, SERVICES.map((s) => `rcp-${s}`));
makeCa(`${certs}/upstream-client`, ["rcp-gateway"]);
const read = (f) => fs.readFileSync(f);
const secrets = { "rcp-internal-token": { token: Buffer.from(require("crypto").randomBytes(32).toString("hex")) } };
for (const s of SERVICES) {
  secrets[`rcp-${s}-tls`] = { "tls.crt": read(`${certs}/internal/rcp-${s}.pem`), "tls.key": read(`${certs}/internal/rcp-${s}.key`), "ca.crt": read(`${certs}/internal/ca.pem`) };
}
secrets["rcp-gateway-upstream-tls"] = { "tls.crt": read(`${certs}/upstream-client/rcp-gateway.pem`), "tls.key": read(`${certs}/upstream-client/rcp-gateway.key`), "ca.crt": read(`${certs}/upstream-client/ca.pem`) };
const configMaps = Object.fromEntries(base.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o.data || {}]));

// --- A pod: its volumes as directories, its containers as processes.
const claims = path.join(work, "claims");
function podVolumes(podName, spec, claimPrefix) {
  const dirs = {};
  for (const v of spec.volumes || []) {
    let dir;
    if (v.persistentVolumeClaim) dir = path.join(claims, v.persistentVolumeClaim.claimName);
    else {
      dir = path.join(work, "pods", podName, "volumes", v.name);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    fs.mkdirSync(dir, { recursive: true });
    const fill = (data, items) => {
      for (const { key, path: p } of items || Object.keys(data).map((k) => ({ key: k, path: k }))) {
        if (data[key] === undefined) fail(`${podName}: volume ${v.name} names key ${key}, which is not there`);
        fs.writeFileSync(path.join(dir, p), data[key], { mode: 0o440 });
      }
    };
    if (v.secret) {
      if (!secrets[v.secret.secretName]) fail(`${podName}: Secret ${v.secret.secretName} is not one README.md has you make`);
      fill(secrets[v.secret.secretName], v.secret.items);
    } else if (v.configMap) {
      if (!configMaps[v.configMap.name]) fail(`${podName}: ConfigMap ${v.configMap.name} is not rendered`);
      fill(configMaps[v.configMap.name], v.configMap.items);
    } else if (!v.emptyDir && !v.persistentVolumeClaim) fail(`${podName}: volume ${v.name} is of a kind run-jobs.js does not know`);
    dirs[v.name] = dir;
  }
  for (const t of claimPrefix || []) {
    const dir = path.join(claims, `${t.metadata.name}-${podName}`);
    fs.mkdirSync(dir, { recursive: true });
    dirs[t.metadata.name] = dir;
  }
  return dirs;
}

function expand(text, vars) {
  return String(text).replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name) =>
    whole === "$$" ? "$" : Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : whole);
}

// A container's argv and env, as the kubelet gives them, with each mount
// path (where it begins a path) moved to the volume's directory here.
function containerProcess(podName, c, dirs) {
  const vars = {};
  for (const e of c.env || []) {
    const from = e.valueFrom || {};
    if (typeof e.value === "string") vars[e.name] = expand(e.value, vars);
    else if ((from.fieldRef || {}).fieldPath === "metadata.name") vars[e.name] = podName;
    else if (from.configMapKeyRef) vars[e.name] = (configMaps[from.configMapKeyRef.name] || {})[from.configMapKeyRef.key];
    else fail(`${podName}: container ${c.name}: env ${e.name} is of a kind run-jobs.js does not know`);
    if (vars[e.name] === undefined) fail(`${podName}: container ${c.name}: env ${e.name} has no value`);
  }
  const mounts = (c.volumeMounts || []).map((m) => {
    if (m.subPath) fail(`${podName}: container ${c.name} mounts with a subPath`);
    if (!dirs[m.name]) fail(`${podName}: container ${c.name} mounts ${m.name}, which is no volume`);
    return [m.mountPath.replace(/\/$/, ""), dirs[m.name]];
  }).sort((a, b) => b[0].length - a[0].length);
  // One pass, longest mount path first: a moved path is never moved again.
  const alternatives = mounts.map(([from]) => from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const pattern = new RegExp(`(^|[=\\s"'])(${alternatives})(?=$|[/\\s"'])`, "g");
  const moved = Object.fromEntries(mounts);
  const move = (text) => (mounts.length === 0 ? text : text.replace(pattern, (_, pre, from) => `${pre}${moved[from]}`));
  const argv = [...(c.command || []), ...(c.args || [])].map((a) => move(expand(a, vars)));
  const program = argv[0];
  const file = binaries[program] || program; // sh: the system's
  const env = { PATH: process.env.PATH, ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, move(v)])) };
  return { file, args: argv.slice(1), env, cwd: path.join(work, "pods", podName) };
}

function runToCompletion(podName, c, dirs) {
  const p = containerProcess(podName, c, dirs);
  fs.mkdirSync(p.cwd, { recursive: true });
  const r = spawnSync(p.file, p.args, { env: p.env, cwd: p.cwd, encoding: "utf8", timeout: 120000 });
  const output = `${r.stdout || ""}${r.stderr || ""}`.trim();
  console.log(`[${podName}/${c.name}] exit ${r.status}${output ? `\n${output.replace(/^/gm, "    ")}` : ""}`);
  if (r.error) fail(`${podName}/${c.name}: ${r.error.message}`);
  if (r.status !== 0) fail(`${podName}/${c.name} exited ${r.status}`);
  return output;
}

// A Job's pod: init containers in order, then the containers (one after
// another here; each of ours has one).
function runJobPod(podName, spec) {
  const dirs = podVolumes(podName, spec);
  const outputs = {};
  for (const c of [...(spec.initContainers || []), ...spec.containers]) outputs[c.name] = runToCompletion(podName, c, dirs);
  return outputs;
}

// --- The data services.
const running = {};
async function startServices() {
  for (const s of SERVICES) {
    const sts = find(base, "StatefulSet", `rcp-${s}`);
    const podName = `rcp-${s}-0`;
    const spec = sts.spec.template.spec;
    const dirs = podVolumes(podName, spec, sts.spec.volumeClaimTemplates);
    const c = spec.containers[0];
    const p = containerProcess(podName, c, dirs);
    fs.mkdirSync(p.cwd, { recursive: true });
    const log = fs.openSync(path.join(p.cwd, "log"), "a");
    const child = spawn(p.file, p.args, { env: p.env, cwd: p.cwd, stdio: ["ignore", log, log] });
    running[s] = { child, log: path.join(p.cwd, "log"), port: c.ports.find((x) => x.name === "grpc").containerPort };
  }
  for (const s of SERVICES) {
    const { child, port, log } = running[s];
    const deadline = Date.now() + 30000;
    for (;;) {
      if (child.exitCode !== null) fail(`rcp-${s}-0 exited ${child.exitCode}:\n${fs.readFileSync(log, "utf8")}`);
      const up = await new Promise((resolve) => {
        const sock = net.connect(port, `rcp-${s}`, () => { sock.destroy(); resolve(true); });
        sock.on("error", () => resolve(false));
      });
      if (up) break;
      if (Date.now() > deadline) fail(`rcp-${s}-0 does not listen on rcp-${s}:${port}:\n${fs.readFileSync(log, "utf8")}`);
      await sleep(100);
    }
    console.log(`rcp-${s}-0 serves on rcp-${s}:${port}`);
  }
}
async function stopServices() {
  // All at once, as scaling the three StatefulSets to 0 stops them.
  await Promise.all(SERVICES.map((s) => {
    const { child } = running[s];
    const exited = new Promise((r) => (child.exitCode !== null ? r() : child.on("exit", r)));
    child.kill("SIGTERM");
    return exited.then(() => delete running[s]);
  }));
  console.log("the data services are stopped (scaled to 0)");
}

// The manifest's epoch and revision, from the text format.
function manifest(dir) {
  const file = path.join(dir, "MANIFEST.textproto");
  if (!fs.existsSync(file)) fail(`${file} is missing`);
  const text = fs.readFileSync(file, "utf8");
  const field = (n) => { const m = new RegExp(`^${n}: (\\d+)`, "m").exec(text); return m ? BigInt(m[1]) : 0n; };
  return { epoch: field("epoch"), revision: field("revision") };
}

async function main() {
  await startServices();
  const cron = find(base, "CronJob", "rcp-backup");
  const cronSpec = cron.spec.jobTemplate.spec.template.spec;
  const backups = path.join(claims, cronSpec.volumes.find((v) => v.persistentVolumeClaim).persistentVolumeClaim.claimName);

  // 3. Two nightly runs; the second keeps one.
  runJobPod("rcp-backup-28000000-aaaaa", cronSpec);
  const first = fs.readlinkSync(path.join(backups, "latest"));
  await sleep(1100); // backups are named by the second they completed
  const keepOne = structuredClone(cronSpec);
  keepOne.containers[0].env.find((e) => e.name === "KEEP").value = "1";
  runJobPod("rcp-backup-28000001-bbbbb", keepOne);
  const latest = fs.readlinkSync(path.join(backups, "latest"));
  const listing = fs.readdirSync(backups).sort();
  if (latest === first) fail(`latest still names the first backup ${first}`);
  if (JSON.stringify(listing) !== JSON.stringify([latest, "latest"].sort())) {
    fail(`with KEEP=1 the backup volume holds ${JSON.stringify(listing)}, not ${latest} and latest alone`);
  }
  const before = {};
  for (const s of SERVICES) before[s] = manifest(path.join(backups, latest, s));
  if (before.registry.revision === 0n) fail("the registry's backup is at revision 0: its seed was not in it");
  console.log(`backups: ${latest} complete, ${first} pruned: ${JSON.stringify(Object.fromEntries(SERVICES.map((s) => [s, String(before[s].revision)])))}`);

  // 4. Scale down, restore, scale up, back up again.
  await stopServices();
  for (const s of SERVICES) {
    const job = find(restore, "Job", `rcp-restore-${s}`);
    const out = runJobPod(`rcp-restore-${s}-ccccc`, job.spec.template.spec);
    if (!/^restored /.test(out.restore)) fail(`rcp-restore-${s} said: ${out.restore}`);
    const aside = fs.readdirSync(path.join(claims, `data-rcp-${s}-0`)).filter((n) => n.startsWith("data.before-restore-"));
    if (aside.length !== 1) fail(`data-rcp-${s}-0: the old data was not set aside once: ${JSON.stringify(aside)}`);
  }
  await startServices();
  await sleep(1100);
  runJobPod("rcp-backup-28000002-ddddd", keepOne);
  const after = fs.readlinkSync(path.join(backups, "latest"));
  for (const s of SERVICES) {
    const m = manifest(path.join(backups, after, s));
    if (m.epoch === before[s].epoch) fail(`${s}: restored, yet still in epoch ${m.epoch}`);
    if (m.revision < before[s].revision) fail(`${s}: at revision ${m.revision} after restoring revision ${before[s].revision}`);
    console.log(`${s}: restored at revision ${before[s].revision}, now epoch ${m.epoch} (was ${before[s].epoch})`);
  }
  await stopServices();
  console.log("run-jobs: the rendered backup CronJob and restore Jobs work against the rendered data services");
}

// No daemon outlives a failure.
process.on("exit", () => {
  for (const { child } of Object.values(running)) child.kill("SIGKILL");
});
main().catch((e) => fail(e.stack || e.message));
