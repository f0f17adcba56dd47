#!/usr/bin/env node
// Proves that each check can fail: every rule of policy.js and each kind of
// schema error is provoked on a deliberately broken copy of the rendered
// manifests, written to a temporary directory, and the check's command
// line must exit 1 naming the problem (and pass on the unbroken copy).
// The render is broken too (a kustomization naming a missing component),
// and the scripts must fail loudly when kubectl or npm is missing.
//   node selftest.js RENDERED_DIR [K8S_DIR]
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");
const YAML = require("yaml");
const { readObjects } = require("./lib");

const rendered = process.argv[2];
const k8s = process.argv[3] || path.resolve(__dirname, "..");
if (!rendered) {
  console.error("usage: selftest.js RENDERED_DIR [K8S_DIR]");
  process.exit(1);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rcp-k8s-selftest-"));

function load(name) {
  const { objects, errors } = readObjects(path.join(rendered, `${name}.yaml`));
  if (errors.length > 0 || objects.length === 0) throw new Error(`cannot read ${name}.yaml from ${rendered}: ${errors.join("; ")}`);
  return objects.map((e) => e.object);
}

const find = (objects, kind, name) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the render`);
  return o;
};
const container = (objects, kind, name) => find(objects, kind, name).spec.template.spec.containers[0];
const mount = (c, mountPath) => c.volumeMounts.find((m) => m.mountPath === mountPath);
// The backup CronJob, its pod spec, and a restore Job.
const cron = (objects) => find(objects, "CronJob", "rcp-backup");
const cronPod = (objects) => cron(objects).spec.jobTemplate.spec.template.spec;
const restoreJob = (objects) => find(objects, "Job", "rcp-restore-registry");

function write(name, objects) {
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, objects.map((o) => YAML.stringify(o, { version: "1.1" })).join("---\n"));
  return file;
}

function run(command, args, env) {
  const r = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const results = { passed: 0, failed: 0 };
function expect(label, r, status, pattern) {
  const ok = r.status === status && (pattern === undefined || pattern.test(r.output));
  if (ok) {
    results.passed += 1;
    console.log(`ok     ${label}`);
  } else {
    results.failed += 1;
    console.log(`FAILED ${label}: exit ${r.status} (wanted ${status}), output:\n${r.output.replace(/^/gm, "    ")}`);
  }
}

const node = process.execPath;
const tool = (name) => path.join(__dirname, name);

// [check, source render, description, mutation, expected message]
const cases = [
  ["policy", "base", "a container without a readiness probe", (o) => { delete container(o, "StatefulSet", "rcp-registry").readinessProbe; }, /\[probes\].*no readinessProbe/],
  ["policy", "base", "a TCP liveness probe", (o) => { container(o, "Deployment", "rcp-gateway").livenessProbe = { tcpSocket: { port: 7100 } }; }, /\[probes\].*livenessProbe is tcpSocket, not a gRPC probe/],
  ["policy", "base", "a startup budget of 50 s", (o) => { container(o, "StatefulSet", "rcp-registry").startupProbe.failureThreshold = 10; }, /\[startup\].*allows 50 s/],
  ["policy", "base", "a pod without fsGroup", (o) => { delete find(o, "StatefulSet", "rcp-events").spec.template.spec.securityContext.fsGroup; }, /\[pod-security\].*fsGroup/],
  ["policy", "base", "a pod without seccomp", (o) => { delete find(o, "Deployment", "rcp-gateway").spec.template.spec.securityContext.seccompProfile; }, /\[pod-security\].*seccompProfile/],
  ["policy", "base", "a writable root filesystem", (o) => { container(o, "StatefulSet", "rcp-events").securityContext.readOnlyRootFilesystem = false; }, /\[security\].*readOnlyRootFilesystem/],
  ["policy", "base", "capabilities kept", (o) => { container(o, "StatefulSet", "rcp-documents").securityContext.capabilities = { drop: ["NET_RAW"] }; }, /\[security\].*lacks ALL/],
  ["policy", "base", "privilege escalation allowed", (o) => { container(o, "Deployment", "rcp-gateway").securityContext.allowPrivilegeEscalation = true; }, /\[security\].*allowPrivilegeEscalation/],
  ["policy", "base", "running as root", (o) => { container(o, "Deployment", "rcp-gateway").securityContext.runAsUser = 0; }, /\[security\].*runAsUser is 0/],
  ["policy", "base", "no memory limit", (o) => { delete container(o, "StatefulSet", "rcp-documents").resources.limits.memory; }, /\[resources\].*no limits\.memory/],
  ["policy", "base", "no cpu request", (o) => { delete container(o, "Deployment", "rcp-gateway").resources.requests.cpu; }, /\[resources\].*no requests\.cpu/],
  ["policy", "base", "a subPath mount", (o) => { mount(container(o, "Deployment", "rcp-gateway"), "/etc/rcp/tls").subPath = "tls.crt"; }, /\[subpath\]/],
  ["policy", "base", "no /tmp", (o) => { const c = container(o, "StatefulSet", "rcp-registry"); c.volumeMounts = c.volumeMounts.filter((m) => m.mountPath !== "/tmp"); }, /\[tmp\]/],
  ["policy", "base", "a Secret in the environment", (o) => { container(o, "Deployment", "rcp-gateway").env.push({ name: "RCP_INTERNAL_TOKEN", valueFrom: { secretKeyRef: { name: "rcp-internal-token", key: "token" } } }); }, /\[secret-env\]/],
  ["policy", "base", "service links on", (o) => { find(o, "StatefulSet", "rcp-events").spec.template.spec.enableServiceLinks = true; }, /\[env\].*enableServiceLinks/],
  ["policy", "base", "a grace period of 15 s", (o) => { find(o, "StatefulSet", "rcp-registry").spec.template.spec.terminationGracePeriodSeconds = 15; }, /\[grace\].*15 < 20/],
  ["policy", "base", "a longer shutdown delay than the grace period allows", (o) => { container(o, "Deployment", "rcp-gateway").args.push("--shutdown_delay=1m"); }, /\[grace\].*30 < 75/],
  ["policy", "base", "no explicit --shutdown_delay", (o) => { const c = container(o, "StatefulSet", "rcp-events"); c.args = c.args.filter((a) => !a.startsWith("--shutdown_delay")); }, /\[grace\].*does not pass --shutdown_delay/],
  ["policy", "base", "--rocksdb_memory_mb=1024 under a 1Gi limit", (o) => { container(o, "StatefulSet", "rcp-registry").args.push("--rocksdb_memory_mb=1024"); }, /\[memory\].*1664 MiB/],
  ["policy", "base", "a scrape annotation on the wrong port", (o) => { find(o, "StatefulSet", "rcp-documents").spec.template.metadata.annotations["prometheus.io/port"] = "9999"; }, /\[metrics\].*9103/],
  ["policy", "base", "a ConfigMap key that is not rendered", (o) => { container(o, "StatefulSet", "rcp-registry").env[0].valueFrom.configMapKeyRef.key = "deploymentid"; }, /\[config\].*deploymentid/],
  ["policy", "base", "a PodDisruptionBudget on a data service", (o) => { o.push({ apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "rcp-registry" }, spec: { maxUnavailable: 0, selector: { matchLabels: { "app.kubernetes.io/name": "rcp-registry" } } } }); }, /\[pdb\].*selects StatefulSet rcp-registry/],
  ["policy", "base", "the gateway without its PodDisruptionBudget", (o) => { o.splice(o.indexOf(find(o, "PodDisruptionBudget", "rcp-gateway")), 1); }, /\[pdb\].*covered by 0/],
  ["policy", "base", "one gateway replica", (o) => { find(o, "Deployment", "rcp-gateway").spec.replicas = 1; }, /\[gateway\].*1 replica/],
  ["policy", "base", "no topology spread", (o) => { delete find(o, "Deployment", "rcp-gateway").spec.template.spec.topologySpreadConstraints; }, /\[gateway\].*topologySpreadConstraints/],
  ["policy", "base", "a ReadWriteOnce volume", (o) => { find(o, "StatefulSet", "rcp-documents").spec.volumeClaimTemplates[0].spec.accessModes = ["ReadWriteOnce"]; }, /\[volumes\].*ReadWriteOnce"/],
  ["policy", "base", "two replicas of a data service", (o) => { find(o, "StatefulSet", "rcp-events").spec.replicas = 2; }, /\[volumes\].*2 replicas/],
  ["policy", "base", "a data service behind a non-headless Service", (o) => { delete find(o, "Service", "rcp-registry").spec.clusterIP; }, /\[volumes\].*not headless/],
  ["policy", "base", "a data service open to every namespace", (o) => { find(o, "NetworkPolicy", "rcp-data-services").spec.ingress[0].from.push({ namespaceSelector: {} }); }, /\[network\].*not this namespace's gateway or backup pods alone/],
  ["policy", "base", "a data service open to every pod of the deployment", (o) => { find(o, "NetworkPolicy", "rcp-data-services").spec.ingress[1].from[0].podSelector = { matchLabels: { "app.kubernetes.io/part-of": "rcp-exchange" } }; }, /\[network\].*part-of.*not this namespace's gateway or backup pods alone/],
  ["policy", "base", "backup pods that may reach anywhere", (o) => { find(o, "NetworkPolicy", "rcp-backup").spec.egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 443 }] }); }, /\[network\].*CronJob rcp-backup.*neither DNS nor this namespace's data services/],
  ["policy", "base", "backup pods that may reach any pod on 53", (o) => { find(o, "NetworkPolicy", "rcp-backup").spec.egress[0].to[0].namespaceSelector = {}; }, /\[network\].*CronJob rcp-backup.*neither DNS/],
  ["policy", "base", "backup pods open to callers", (o) => { find(o, "NetworkPolicy", "rcp-backup").spec.ingress = [{ ports: [{ port: 8080 }] }]; }, /\[network\].*admits ingress to an rcp-admin pod/],
  ["policy", "base", "backup pods without their NetworkPolicy", (o) => { o.splice(o.indexOf(find(o, "NetworkPolicy", "rcp-backup")), 1); }, /\[network\].*CronJob rcp-backup: no NetworkPolicy isolates its egress/],
  ["policy", "restore", "restore pods without their NetworkPolicy", (o) => { o.splice(o.indexOf(find(o, "NetworkPolicy", "rcp-restore")), 1); }, /\[network\].*Job rcp-restore-registry: no NetworkPolicy isolates its ingress/],
  ["policy", "base", "a CronJob that may run twice at once", (o) => { cron(o).spec.concurrencyPolicy = "Allow"; }, /\[jobs\].*concurrencyPolicy is "Allow"/],
  ["policy", "base", "a CronJob without a failed history limit", (o) => { delete cron(o).spec.failedJobsHistoryLimit; }, /\[jobs\].*failedJobsHistoryLimit is not set/],
  ["policy", "base", "a CronJob without a deadline", (o) => { delete cron(o).spec.jobTemplate.spec.activeDeadlineSeconds; }, /\[jobs\].*jobTemplate\.spec\.activeDeadlineSeconds is not set/],
  ["policy", "restore", "a Job without a backoffLimit", (o) => { delete restoreJob(o).spec.backoffLimit; }, /\[jobs\].*spec\.backoffLimit is not set/],
  ["policy", "restore", "a Job that restarts Always", (o) => { restoreJob(o).spec.template.spec.restartPolicy = "Always"; }, /\[jobs\].*restartPolicy is "Always"/],
  ["policy", "restore", "a Job running a daemon", (o) => { restoreJob(o).spec.template.spec.containers[0].command = ["rcp-registryd"]; }, /\[jobs\].*runs rcp-registryd/],
  ["policy", "base", "a privileged backup container", (o) => { cronPod(o).initContainers[1].securityContext.privileged = true; }, /\[security\].*CronJob rcp-backup: container events is privileged/],
  ["policy", "base", "a backup container without a memory limit", (o) => { delete cronPod(o).initContainers[2].resources.limits.memory; }, /\[resources\].*CronJob rcp-backup: container documents has no limits\.memory/],
  ["policy", "base", "a backup container mounting the token with a subPath", (o) => { mount(cronPod(o).initContainers[0], "/etc/rcp/internal-token").subPath = "token"; }, /\[subpath\].*CronJob rcp-backup/],
  ["policy", "restore", "a restore pod running as root", (o) => { restoreJob(o).spec.template.spec.securityContext.runAsUser = 0; }, /\[pod-security\].*Job rcp-restore-registry.*runAsUser/],
  ["policy", "restore", "a restore container without /tmp", (o) => { const c = restoreJob(o).spec.template.spec.containers[0]; c.volumeMounts = c.volumeMounts.filter((m) => m.mountPath !== "/tmp"); }, /\[tmp\].*Job rcp-restore-registry/],
  ["policy", "base", "a data service open to everyone", (o) => { delete find(o, "NetworkPolicy", "rcp-data-services").spec.ingress[0].from; }, /\[network\].*admits everyone/],
  ["policy", "base", "no NetworkPolicy on the data services", (o) => { o.splice(o.indexOf(find(o, "NetworkPolicy", "rcp-data-services")), 1); }, /\[network\].*no NetworkPolicy/],
  ["policy", "cert-manager", "a peer certificate naming another deployment", (o) => { find(o, "Certificate", "rcp-gateway-peer-tls").spec.dnsNames = ["igc.rcp"]; }, /\[peer-cert\].*rcp-exchange\.local/],
  ["schema", "base", "a misspelt field", (o) => { const p = container(o, "Deployment", "rcp-gateway").livenessProbe.grpc; p.servce = ""; }, /'"?servce"?' does not exist in type/],
  ["schema", "base", "a field of the wrong type", (o) => { find(o, "Deployment", "rcp-gateway").spec.replicas = "2"; }, /replicas must be integer/],
  ["schema", "base", "a malformed quantity", (o) => { container(o, "StatefulSet", "rcp-registry").resources.limits.memory = "1 GB"; }, /must match format "quantity"/],
  ["schema", "base", "a missing required field", (o) => { delete find(o, "StatefulSet", "rcp-events").spec.selector; }, /must have required property '?selector'?/],
  ["schema", "base", "an enum value Kubernetes does not know", (o) => { find(o, "NetworkPolicy", "rcp-gateway").spec.policyTypes = ["Inbound"]; }, /policyTypes/],
  ["schema", "cert-manager", "a misspelt CRD field", (o) => { const c = find(o, "Certificate", "rcp-registry-tls"); c.spec.dnsName = c.spec.dnsNames; delete c.spec.dnsNames; }, /'"?dnsName"?' does not exist/],
  ["schema", "base", "a misspelt CronJob field", (o) => { const j = cron(o).spec.jobTemplate.spec; j.backofLimit = j.backoffLimit; delete j.backoffLimit; }, /'"?backofLimit"?' does not exist in type/],
  ["schema", "restore", "a Job's restartPolicy Kubernetes does not know", (o) => { restoreJob(o).spec.template.spec.restartPolicy = "Sometimes"; }, /restartPolicy/],
  ["schema", "base", "a kind no schema knows", (o) => { o.push({ apiVersion: "example.org/v1", kind: "Widget", metadata: { name: "w" } }); }, /no schema for example\.org\/v1 Widget/],
];

try {
  const sources = {};
  for (const [, source] of cases) sources[source] = sources[source] || load(source);
  for (const [name, objects] of Object.entries(sources)) {
    for (const check of ["policy", "schema"]) {
      expect(`${check} passes the unbroken ${name}`, run(node, [tool(`${check}.js`), write(`${name}-unbroken`, objects)]), 0);
    }
  }
  // The memory rule's arithmetic, the other way: 1.5 × 512 + 128 = 896 MiB ≤ 1Gi.
  {
    const o = structuredClone(sources.base);
    container(o, "StatefulSet", "rcp-registry").args.push("--rocksdb_memory_mb=512");
    expect("policy passes --rocksdb_memory_mb=512 under a 1Gi limit", run(node, [tool("policy.js"), write("memory-ok", o)]), 0);
  }
  cases.forEach(([check, source, description, mutate, pattern], i) => {
    const objects = structuredClone(sources[source]);
    mutate(objects);
    expect(`${check} fails on ${description}`, run(node, [tool(`${check}.js`), write(`case-${i}`, objects)]), 1, pattern);
  });

  // The committed fixture of a workload with a missing probe.
  expect("policy fails on fixtures/missing-probe.yaml", run(node, [tool("policy.js"), path.join(__dirname, "fixtures", "missing-probe.yaml")]), 1, /\[probes\].*no livenessProbe/);
  // The privileged CronJob fixture is refused for its privilege alone.
  {
    const fixture = path.join(__dirname, "fixtures", "privileged-cronjob.yaml");
    expect("policy fails on fixtures/privileged-cronjob.yaml", run(node, [tool("policy.js"), fixture]), 1, /\[security\].*container task is privileged/);
    const o = readObjects(fixture).objects.map((e) => e.object);
    const sc = o[0].spec.jobTemplate.spec.template.spec.containers[0].securityContext;
    delete sc.privileged;
    sc.allowPrivilegeEscalation = false;
    expect("policy passes fixtures/privileged-cronjob.yaml without the privilege", run(node, [tool("policy.js"), write("unprivileged", o)]), 0);
    expect("schema passes fixtures/privileged-cronjob.yaml", run(node, [tool("schema.js"), fixture]), 0);
  }

  // The render: a broken copy of deploy/k8s, and no kubectl.
  const copy = path.join(tmp, "k8s");
  fs.cpSync(k8s, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
  const broken = path.join(copy, "overlays", "cert-manager", "kustomization.yaml");
  fs.writeFileSync(broken, fs.readFileSync(broken, "utf8").replace("../../components/cert-manager", "../../components/no-such-component"));
  const render = path.join(__dirname, "render.sh");
  expect("render fails on a kustomization naming a missing component", run(render, [path.join(tmp, "out"), copy]), 1, /FAILED overlays\/cert-manager/);
  expect("render fails loudly without kubectl", run(render, [path.join(tmp, "out2"), k8s], { KUBECTL: "/nonexistent/kubectl" }), 1, /kubectl is not installed/);
  expect("npm-ci fails loudly without npm", run(path.join(__dirname, "npm-ci.sh"), [], { NPM: "/nonexistent/npm" }), 1, /npm is not installed/);
  expect("schema fails on a directory without renders", run(node, [tool("schema.js"), tmp]), 1, /has no index\.txt/);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}

console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed === 0 ? 0 : 1);
