#!/usr/bin/env node
// The project's rules for its Kubernetes objects, checked on rendered
// manifests, offline:
//   node policy.js RENDERED_DIR_OR_FILE...
//
// On every workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod):
//   probes       startup, readiness and liveness probes on every container, all gRPC
//                (not in Jobs and CronJobs, whose containers run to completion)
//   startup      the startup probe allows ≥ 600 s (failureThreshold × periodSeconds): WAL replay
//   pod-security the pod runs as 10001:10001 (runAsNonRoot, fsGroup 10001), seccomp RuntimeDefault
//   security     every container: the same user, read-only root, no privilege escalation,
//                all capabilities dropped, seccomp RuntimeDefault
//   resources    requests and limits of cpu and memory on every container
//   subpath      no subPath mounts (a subPath mount of a Secret never updates)
//   tmp          an emptyDir at /tmp in every container
//   secret-env   no Secret in an environment variable: secrets are mounted files
//   env          no service links (they would set RCP_* variables, the flags' prefix),
//                no service-account token
//   grace        terminationGracePeriodSeconds ≥ --shutdown_delay + --grace_period + 5 s,
//                both flags given explicitly to every rcp daemon
//   memory       a container with --rocksdb_memory_mb=N has a memory limit ≥ 1.5 × N MiB + 128 MiB
//   metrics      prometheus.io scrape annotations naming the --metrics_listen port
//   config       every ConfigMap key an environment variable names is rendered
//   jobs         a Job (and a CronJob's jobTemplate) sets backoffLimit and activeDeadlineSeconds,
//                restartPolicy Never or OnFailure, and runs no rcp daemon; a CronJob has
//                concurrencyPolicy Forbid and both history limits set
// And across objects:
//   pdb          PodDisruptionBudgets select the gateway's pods only, and the gateway has one
//   gateway      the gateway runs ≥ 2 replicas, spread by topologySpreadConstraints
//   volumes      every PVC (volumeClaimTemplates too) is ReadWriteOncePod; data services run
//                one replica, with a headless Service
//   network      each data service is isolated by a NetworkPolicy whose rules admit only
//                its namespace's gateway and rcp-admin backup pods (and other namespaces
//                only to the metrics port); every rcp-admin pod is isolated both ways, and
//                may reach only DNS (kube-dns, port 53) and the data services
//   peer-cert    a cert-manager peer certificate names the deployment id the gateway is given
//
// Prints every violation, tagged with its rule, and exits 1; exits 0 when
// there is none.
"use strict";

const path = require("path");
const { readObjects, inputFiles, describe, parseDuration, parseQuantity } = require("./lib");

const DAEMONS = ["rcp-registryd", "rcp-eventsd", "rcp-documentsd", "rcp-gatewayd"];
const USER = 10001;
const STARTUP_BUDGET_S = 600;
const GRACE_MARGIN_S = 5;
const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"]);
const BATCH_KINDS = new Set(["Job", "CronJob"]);

function podTemplate(o) {
  if (o.kind === "Pod") return { metadata: o.metadata || {}, spec: o.spec || {} };
  if (o.kind === "CronJob") return ((o.spec || {}).jobTemplate || {}).spec?.template || { spec: {} };
  return (o.spec || {}).template || { spec: {} };
}

// The Job spec of a Job, or of a CronJob's jobTemplate.
function jobSpec(o) {
  if (o.kind === "CronJob") return ((o.spec || {}).jobTemplate || {}).spec || {};
  return o.spec || {};
}

function program(container) {
  const argv = [...(container.command || []), ...(container.args || [])];
  return argv.length > 0 ? path.basename(argv[0]) : "";
}

// The value of --NAME in a container's command line (last wins, as with
// Abseil flags), or undefined.
function flag(container, name) {
  let value;
  for (const arg of [...(container.command || []), ...(container.args || [])]) {
    const m = new RegExp(`^--?${name}=(.*)$`).exec(String(arg));
    if (m) value = m[1];
  }
  return value;
}

function matchesSelector(selector, labels) {
  if (!selector) return false;
  labels = labels || {};
  for (const [k, v] of Object.entries(selector.matchLabels || {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions || []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === "In" && !(has && e.values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && e.values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

const ns = (o) => (o.metadata && o.metadata.namespace) || "";

function check(objects) {
  const violations = [];
  const report = (rule, o, message) => violations.push({ rule, where: describe(o), message });

  const workloads = objects.filter((o) => WORKLOAD_KINDS.has(o.kind));
  const configMaps = objects.filter((o) => o.kind === "ConfigMap");
  const isGateway = (w) => (podTemplate(w).spec.containers || []).some((c) => program(c) === "rcp-gatewayd");
  const isDataService = (w) =>
    (podTemplate(w).spec.containers || []).some((c) => DAEMONS.includes(program(c)) && program(c) !== "rcp-gatewayd");
  const podContainers = (w) => [...(podTemplate(w).spec.initContainers || []), ...(podTemplate(w).spec.containers || [])];
  const adminArgs = (c) => [...(c.command || []), ...(c.args || [])].slice(1);
  // A pod that runs rcp-admin (a backup or a restore), and one that backs up.
  const isAdmin = (w) => podContainers(w).some((c) => program(c) === "rcp-admin");
  const isBackup = (w) => podContainers(w).some((c) => program(c) === "rcp-admin" && adminArgs(c)[0] === "backup");

  for (const w of workloads) {
    const template = podTemplate(w);
    const spec = template.spec || {};
    const containers = spec.containers || [];
    const all = [...(spec.initContainers || []), ...containers];
    const volumes = new Map((spec.volumes || []).map((v) => [v.name, v]));

    // probes, startup (a Job's containers finish: nothing to probe)
    for (const c of BATCH_KINDS.has(w.kind) ? [] : containers) {
      for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const probe = c[kind];
        if (!probe) {
          report("probes", w, `container ${c.name} has no ${kind}`);
          continue;
        }
        const handlers = ["grpc", "httpGet", "tcpSocket", "exec"].filter((h) => probe[h]);
        if (handlers.length !== 1 || handlers[0] !== "grpc") {
          report("probes", w, `container ${c.name}: ${kind} is ${handlers.join("+") || "empty"}, not a gRPC probe`);
        }
      }
      if (c.startupProbe) {
        const budget = (c.startupProbe.failureThreshold ?? 3) * (c.startupProbe.periodSeconds ?? 10);
        if (!(budget >= STARTUP_BUDGET_S)) {
          report("startup", w, `container ${c.name}: the startup probe allows ${budget} s (failureThreshold × periodSeconds), under ${STARTUP_BUDGET_S} s`);
        }
      }
    }

    // pod-security
    const psc = spec.securityContext || {};
    const podWant = { runAsNonRoot: true, runAsUser: USER, runAsGroup: USER, fsGroup: USER };
    for (const [k, v] of Object.entries(podWant)) {
      if (psc[k] !== v) report("pod-security", w, `pod securityContext.${k} is ${JSON.stringify(psc[k])}, not ${v}`);
    }
    if ((psc.seccompProfile || {}).type !== "RuntimeDefault") {
      report("pod-security", w, "pod securityContext.seccompProfile.type is not RuntimeDefault");
    }

    // env: service links, token
    if (spec.enableServiceLinks !== false) {
      report("env", w, "enableServiceLinks is not false: service links would set RCP_*_PORT variables, the prefix the daemons read flags from");
    }
    if (spec.automountServiceAccountToken !== false) {
      report("env", w, "automountServiceAccountToken is not false: the daemons never call the Kubernetes API");
    }

    for (const c of all) {
      // security
      const sc = c.securityContext || {};
      const want = { runAsNonRoot: true, runAsUser: USER, runAsGroup: USER, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false };
      for (const [k, v] of Object.entries(want)) {
        if (sc[k] !== v) report("security", w, `container ${c.name}: securityContext.${k} is ${JSON.stringify(sc[k])}, not ${v}`);
      }
      if (sc.privileged) report("security", w, `container ${c.name} is privileged`);
      const caps = sc.capabilities || {};
      if (!(caps.drop || []).includes("ALL")) report("security", w, `container ${c.name}: capabilities.drop lacks ALL`);
      if ((caps.add || []).length > 0) report("security", w, `container ${c.name} adds capabilities ${caps.add.join(", ")}`);
      if ((sc.seccompProfile || {}).type !== "RuntimeDefault") {
        report("security", w, `container ${c.name}: securityContext.seccompProfile.type is not RuntimeDefault`);
      }

      // resources
      const res = c.resources || {};
      for (const side of ["requests", "limits"]) {
        for (const r of ["cpu", "memory"]) {
          const q = (res[side] || {})[r];
          if (q === undefined) report("resources", w, `container ${c.name} has no ${side}.${r}`);
          else if (Number.isNaN(parseQuantity(q))) report("resources", w, `container ${c.name}: ${side}.${r} ${q} is not a quantity`);
        }
      }

      // subpath, tmp
      const mounts = c.volumeMounts || [];
      for (const m of mounts) {
        if (m.subPath || m.subPathExpr) {
          report("subpath", w, `container ${c.name} mounts ${m.name} at ${m.mountPath} with a subPath: it would never see the volume change`);
        }
      }
      const tmp = mounts.find((m) => m.mountPath === "/tmp" || m.mountPath === "/tmp/");
      if (!tmp || !(volumes.get(tmp.name) || {}).emptyDir) {
        report("tmp", w, `container ${c.name} has no emptyDir at /tmp (the root filesystem is read-only)`);
      }

      // secret-env, config
      for (const e of c.env || []) {
        const from = e.valueFrom || {};
        if (from.secretKeyRef) report("secret-env", w, `container ${c.name}: ${e.name} comes from Secret ${from.secretKeyRef.name}; mount secrets as files`);
        if (from.configMapKeyRef && !from.configMapKeyRef.optional) {
          const ref = from.configMapKeyRef;
          const cm = configMaps.find((m) => m.metadata.name === ref.name && ns(m) === ns(w));
          if (!cm) report("config", w, `container ${c.name}: ${e.name} names ConfigMap ${ref.name}, which is not rendered`);
          else if (!Object.prototype.hasOwnProperty.call(cm.data || {}, ref.key)) {
            report("config", w, `container ${c.name}: ${e.name} names key ${ref.key} of ConfigMap ${ref.name}, which it lacks`);
          }
        }
      }
      for (const e of c.envFrom || []) {
        if (e.secretRef) report("secret-env", w, `container ${c.name} takes its environment from Secret ${e.secretRef.name}; mount secrets as files`);
      }
    }

    for (const c of containers) {
      // grace
      const daemon = DAEMONS.includes(program(c));
      const delay = flag(c, "shutdown_delay");
      const grace = flag(c, "grace_period");
      if (daemon && (delay === undefined || grace === undefined)) {
        report("grace", w, `container ${c.name} does not pass ${delay === undefined ? "--shutdown_delay" : "--grace_period"} explicitly`);
      }
      if (delay !== undefined || grace !== undefined) {
        const d = delay === undefined ? 0 : parseDuration(delay);
        const g = grace === undefined ? 10 : parseDuration(grace);
        if (Number.isNaN(d) || Number.isNaN(g)) {
          report("grace", w, `container ${c.name}: --shutdown_delay=${delay} or --grace_period=${grace} is not a duration`);
        } else {
          const tgps = spec.terminationGracePeriodSeconds ?? 30;
          const need = d + g + GRACE_MARGIN_S;
          if (!(tgps >= need)) {
            report("grace", w, `terminationGracePeriodSeconds ${tgps} < ${need} (shutdown_delay ${d} s + grace_period ${g} s + ${GRACE_MARGIN_S} s) for container ${c.name}`);
          }
        }
      }

      // memory
      const mb = flag(c, "rocksdb_memory_mb");
      if (mb !== undefined) {
        const n = Number(mb);
        const limit = parseQuantity(((c.resources || {}).limits || {}).memory);
        const need = (1.5 * n + 128) * 2 ** 20;
        if (!Number.isFinite(n)) report("memory", w, `container ${c.name}: --rocksdb_memory_mb=${mb} is not a number`);
        else if (!(limit >= need)) {
          report("memory", w, `container ${c.name}: memory limit ${((c.resources || {}).limits || {}).memory} < 1.5 × ${n} MiB + 128 MiB (${need / 2 ** 20} MiB) for --rocksdb_memory_mb=${n}`);
        }
      }
    }

    // jobs
    if (BATCH_KINDS.has(w.kind)) {
      const job = jobSpec(w);
      const where = w.kind === "CronJob" ? "jobTemplate.spec." : "spec.";
      if (!Number.isInteger(job.backoffLimit)) report("jobs", w, `${where}backoffLimit is not set (the default retries 6 times)`);
      if (!(Number.isInteger(job.activeDeadlineSeconds) && job.activeDeadlineSeconds > 0)) {
        report("jobs", w, `${where}activeDeadlineSeconds is not set: a stuck or pending run would never end`);
      }
      if (!["Never", "OnFailure"].includes(spec.restartPolicy)) {
        report("jobs", w, `restartPolicy is ${JSON.stringify(spec.restartPolicy)}, not Never or OnFailure`);
      }
      for (const c of all) {
        if (DAEMONS.includes(program(c))) report("jobs", w, `container ${c.name} runs ${program(c)}, a daemon that never completes`);
      }
      if (w.kind === "CronJob") {
        const cron = w.spec || {};
        if (cron.concurrencyPolicy !== "Forbid") {
          report("jobs", w, `concurrencyPolicy is ${JSON.stringify(cron.concurrencyPolicy)}, not Forbid: two runs would share one volume`);
        }
        for (const k of ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"]) {
          if (!Number.isInteger(cron[k])) report("jobs", w, `${k} is not set`);
        }
      }
    }

    // metrics
    if (containers.some((c) => DAEMONS.includes(program(c)))) {
      const ann = (template.metadata || {}).annotations || {};
      const daemon = containers.find((c) => DAEMONS.includes(program(c)));
      const listen = flag(daemon, "metrics_listen");
      const port = listen === undefined ? undefined : listen.slice(listen.lastIndexOf(":") + 1);
      if (ann["prometheus.io/scrape"] !== "true") report("metrics", w, "pod template lacks the annotation prometheus.io/scrape: \"true\"");
      if (port === undefined) report("metrics", w, `container ${daemon.name} has no --metrics_listen`);
      else if (ann["prometheus.io/port"] !== port) {
        report("metrics", w, `annotation prometheus.io/port is ${JSON.stringify(ann["prometheus.io/port"])}, but --metrics_listen serves ${port}`);
      }
      const named = (daemon.ports || []).find((p) => p.name === "metrics");
      if (port !== undefined && (!named || String(named.containerPort) !== port)) {
        report("metrics", w, `container ${daemon.name} has no port named metrics at ${port}`);
      }
    }
  }

  // pdb
  const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget");
  for (const pdb of pdbs) {
    const selected = workloads.filter((w) => ns(w) === ns(pdb) && matchesSelector((pdb.spec || {}).selector, (podTemplate(w).metadata || {}).labels));
    if (selected.length === 0) report("pdb", pdb, "selects no workload");
    for (const w of selected) {
      if (!isGateway(w) || w.kind !== "Deployment") {
        report("pdb", pdb, `selects ${describe(w)}: only the gateway may have a PodDisruptionBudget (one on a single-replica StatefulSet blocks every node drain)`);
      }
    }
  }
  for (const w of workloads.filter(isGateway)) {
    const covering = pdbs.filter((p) => ns(p) === ns(w) && matchesSelector((p.spec || {}).selector, (podTemplate(w).metadata || {}).labels));
    if (covering.length !== 1) report("pdb", w, `the gateway is covered by ${covering.length} PodDisruptionBudgets, not 1`);
    // gateway
    if (w.kind !== "Deployment") report("gateway", w, "the gateway is not a Deployment");
    if (!((w.spec || {}).replicas >= 2)) report("gateway", w, `the gateway runs ${(w.spec || {}).replicas ?? 1} replica(s), not ≥ 2`);
    if ((podTemplate(w).spec.topologySpreadConstraints || []).length === 0) report("gateway", w, "the gateway has no topologySpreadConstraints");
  }

  // volumes
  for (const pvc of objects.filter((o) => o.kind === "PersistentVolumeClaim")) {
    const modes = (pvc.spec || {}).accessModes || [];
    if (modes.length !== 1 || modes[0] !== "ReadWriteOncePod") report("volumes", pvc, `accessModes ${JSON.stringify(modes)}, not [ReadWriteOncePod]`);
  }
  for (const w of workloads.filter((o) => o.kind === "StatefulSet")) {
    for (const t of (w.spec || {}).volumeClaimTemplates || []) {
      const modes = (t.spec || {}).accessModes || [];
      if (modes.length !== 1 || modes[0] !== "ReadWriteOncePod") {
        report("volumes", w, `volumeClaimTemplate ${t.metadata && t.metadata.name}: accessModes ${JSON.stringify(modes)}, not [ReadWriteOncePod]`);
      }
    }
  }
  for (const w of workloads.filter(isDataService)) {
    if (w.kind !== "StatefulSet") {
      report("volumes", w, "a data service is not a StatefulSet");
      continue;
    }
    if ((w.spec.replicas ?? 1) !== 1) report("volumes", w, `a data service runs ${w.spec.replicas} replicas: its database has one writer`);
    if ((w.spec.volumeClaimTemplates || []).length !== 1) {
      report("volumes", w, `has ${(w.spec.volumeClaimTemplates || []).length} volumeClaimTemplates, not the one volume for its database, content and uploads`);
    }
    const svc = objects.find((o) => o.kind === "Service" && ns(o) === ns(w) && o.metadata.name === w.spec.serviceName);
    if (!svc) report("volumes", w, `serviceName ${w.spec.serviceName} names no rendered Service`);
    else if ((svc.spec || {}).clusterIP !== "None") report("volumes", w, `Service ${svc.metadata.name} is not headless`);
  }

  // network
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  for (const w of workloads.filter(isDataService)) {
    const labels = (podTemplate(w).metadata || {}).labels || {};
    const daemon = (podTemplate(w).spec.containers || []).find((c) => DAEMONS.includes(program(c)));
    const metricsListen = flag(daemon, "metrics_listen") || "";
    const metricsPort = metricsListen.slice(metricsListen.lastIndexOf(":") + 1);
    const isMetricsPort = (p) => p.port === "metrics" || String(p.port) === metricsPort;
    const gateways = workloads.filter((g) => isGateway(g) && ns(g) === ns(w));
    const backups = workloads.filter((b) => isBackup(b) && ns(b) === ns(w));
    const labelsOf = (o) => (podTemplate(o).metadata || {}).labels || {};
    const applying = policies.filter((p) => ns(p) === ns(w) && matchesSelector(p.spec.podSelector, labels) &&
      (p.spec.policyTypes || ["Ingress"]).includes("Ingress"));
    if (applying.length === 0) report("network", w, "no NetworkPolicy isolates its ingress: anyone could go around the gateway");
    for (const p of applying) {
      for (const rule of p.spec.ingress || []) {
        const ports = rule.ports || [];
        const metricsOnly = ports.length > 0 && ports.every(isMetricsPort);
        if (metricsOnly) continue;
        const from = rule.from || [];
        if (from.length === 0) {
          report("network", w, `NetworkPolicy ${p.metadata.name} admits everyone to ports ${JSON.stringify(ports.map((x) => x.port))}`);
          continue;
        }
        for (const peer of from) {
          // A peer selects every gateway pod of the namespace and nothing
          // else, or some of its backup pods and nothing else.
          const inNamespace = peer.podSelector && !peer.namespaceSelector && !peer.ipBlock;
          const selects = (o) => matchesSelector(peer.podSelector, labelsOf(o));
          const others = (admitted) => workloads.filter((o) => ns(o) === ns(w) && !admitted(o));
          const gatewayOnly = inNamespace && gateways.length > 0 && gateways.every(selects) && others(isGateway).every((o) => !selects(o));
          const backupOnly = inNamespace && backups.some(selects) && others(isBackup).every((o) => !selects(o));
          if (!gatewayOnly && !backupOnly) {
            report("network", w, `NetworkPolicy ${p.metadata.name} admits ${JSON.stringify(peer)}, which is not this namespace's gateway or backup pods alone`);
          }
        }
      }
    }
  }

  // network: rcp-admin pods are isolated both ways, and reach DNS and the
  // data services alone.
  const isDns = (peer) => peer.podSelector && matchesSelector(peer.podSelector, { "k8s-app": "kube-dns" }) &&
    Object.keys(peer.podSelector.matchLabels || {}).length === 1 && !(peer.podSelector.matchExpressions || []).length &&
    peer.namespaceSelector && (peer.namespaceSelector.matchLabels || {})["kubernetes.io/metadata.name"] === "kube-system" &&
    !peer.ipBlock;
  for (const w of workloads.filter(isAdmin)) {
    const labels = (podTemplate(w).metadata || {}).labels || {};
    const dataServices = workloads.filter((o) => isDataService(o) && ns(o) === ns(w));
    const applying = policies.filter((p) => ns(p) === ns(w) && matchesSelector(p.spec.podSelector, labels));
    for (const type of ["Ingress", "Egress"]) {
      if (!applying.some((p) => (p.spec.policyTypes || ["Ingress"]).includes(type))) {
        report("network", w, `no NetworkPolicy isolates its ${type.toLowerCase()}: rcp-admin holds the internal credential`);
      }
    }
    for (const p of applying) {
      if ((p.spec.policyTypes || ["Ingress"]).includes("Ingress") && (p.spec.ingress || []).length > 0) {
        report("network", w, `NetworkPolicy ${p.metadata.name} admits ingress to an rcp-admin pod, which serves nothing`);
      }
      if (!(p.spec.policyTypes || []).includes("Egress")) continue;
      for (const rule of p.spec.egress || []) {
        const to = rule.to || [];
        if (to.length === 0) {
          report("network", w, `NetworkPolicy ${p.metadata.name} lets an rcp-admin pod reach anyone on ports ${JSON.stringify((rule.ports || []).map((x) => x.port))}`);
          continue;
        }
        for (const peer of to) {
          const dns = isDns(peer) && (rule.ports || []).length > 0 && rule.ports.every((x) => String(x.port) === "53");
          const services = peer.podSelector && !peer.namespaceSelector && !peer.ipBlock &&
            dataServices.some((o) => matchesSelector(peer.podSelector, (podTemplate(o).metadata || {}).labels)) &&
            workloads.filter((o) => ns(o) === ns(w) && !isDataService(o))
              .every((o) => !matchesSelector(peer.podSelector, (podTemplate(o).metadata || {}).labels));
          if (!dns && !services) {
            report("network", w, `NetworkPolicy ${p.metadata.name} lets an rcp-admin pod reach ${JSON.stringify(peer)}, which is neither DNS nor this namespace's data services`);
          }
        }
      }
    }
  }

  // peer-cert
  const certificates = objects.filter((o) => o.kind === "Certificate" && o.apiVersion.startsWith("cert-manager.io/"));
  for (const w of workloads.filter(isGateway)) {
    const spec = podTemplate(w).spec;
    const c = spec.containers.find((x) => program(x) === "rcp-gatewayd");
    const certFile = flag(c, "peer_tls_cert");
    if (!certFile) continue;
    const mount = (c.volumeMounts || []).find((m) => certFile.startsWith(m.mountPath.replace(/\/?$/, "/")));
    const volume = mount && (spec.volumes || []).find((v) => v.name === mount.name);
    const secretName = volume && volume.secret && volume.secret.secretName;
    const cert = certificates.find((x) => ns(x) === ns(w) && x.spec && x.spec.secretName === secretName);
    if (!cert) continue; // the Secret is made by the operator
    const env = (c.env || []).find((e) => e.name === "RCP_DEPLOYMENT_ID");
    let id = flag(c, "deployment_id");
    if (id === undefined && env) {
      if (env.value !== undefined) id = env.value;
      const ref = env.valueFrom && env.valueFrom.configMapKeyRef;
      const cm = ref && configMaps.find((m) => m.metadata.name === ref.name && ns(m) === ns(w));
      if (cm) id = (cm.data || {})[ref.key];
    }
    if (id === undefined) report("peer-cert", w, "the gateway serves peers but is given no deployment id");
    else if (!((cert.spec.dnsNames || []).includes(id))) {
      report("peer-cert", cert, `names ${JSON.stringify(cert.spec.dnsNames)}, not the deployment id ${id} that peers verify`);
    }
  }

  return violations;
}

function main() {
  const files = inputFiles(process.argv.slice(2));
  let total = 0;
  let objects = 0;
  for (const file of files) {
    const { objects: entries, errors } = readObjects(file);
    if (errors.length > 0) {
      for (const e of errors) console.error(e);
      process.exit(1);
    }
    objects += entries.length;
    const violations = check(entries.map((e) => e.object));
    for (const v of violations) console.error(`VIOLATION [${v.rule}] ${path.basename(file)}: ${v.where}: ${v.message}`);
    const workloads = entries.filter((e) => WORKLOAD_KINDS.has(e.object.kind)).length;
    if (workloads === 0) {
      console.error(`VIOLATION [workloads] ${path.basename(file)}: no workload to check`);
      total += 1;
    }
    total += violations.length;
  }
  if (total > 0) {
    console.error(`policy: ${total} violation(s) in ${files.length} file(s)`);
    process.exit(1);
  }
  console.log(`policy: ${objects} objects of ${files.length} file(s) follow every rule`);
}

module.exports = { check };

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`policy: ${e.message}`);
    process.exit(1);
  }
}
