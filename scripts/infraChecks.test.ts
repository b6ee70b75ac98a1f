import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { unknownFields, validateKubernetesObject } from './lib/kubernetesModels.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const INFRA = join(ROOT, 'infra');
const run = promisify(execFile);

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !p.includes('node_modules'))
    .sort();
}

/** Every document of a YAML file, failing on any syntax error or warning (duplicate keys…). */
function yamlDocuments(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true }).flatMap((doc) => {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length) throw new Error(`${relative(ROOT, file)}: ${problems.map((p) => p.message).join('; ')}`);
    const value: unknown = doc.toJS();
    return value === null ? [] : [value];
  });
}

/** Variables infra/env.example documents, commented out or not. */
function envExampleNames(): Set<string> {
  const names = readFileSync(join(INFRA, 'env.example'), 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm);
  return new Set([...names].map((m) => m[1]!));
}

async function tool(command: string, args: string[], cwd = ROOT): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd });
    return stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown> };
type Container = { name: string; readinessProbe?: unknown; livenessProbe?: unknown; startupProbe?: unknown; restartPolicy?: string };
type PodTemplate = { metadata: { labels: Record<string, string> }; spec: { containers: Container[]; initContainers?: Container[] } };

const k8sFiles = () => filesUnder(join(INFRA, 'k8s'), (n) => n.endsWith('.yaml') && n !== 'kustomization.yaml');
const k8sObjects = () => k8sFiles().flatMap((f) => yamlDocuments(f).map((o) => ({ file: relative(ROOT, f), object: o as K8sObject })));
const workloads = () => k8sObjects().filter(({ object }) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(object.kind));
const template = (o: K8sObject) => (o.spec as { template: PodTemplate }).template;

describe('infra/ YAML and JSON', () => {
  it('every YAML file parses, with no duplicate keys', () => {
    const files = filesUnder(INFRA, (n) => /\.ya?ml$/.test(n));
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) expect(() => yamlDocuments(file), relative(ROOT, file)).not.toThrow();
  });

  it('the Grafana dashboard is JSON whose every query is valid PromQL (checked by promtool)', async () => {
    const dashboard = JSON.parse(readFileSync(join(INFRA, 'grafana/parley-dashboard.json'), 'utf8')) as { uid: string; panels: { type: string; targets?: { expr: string }[] }[] };
    expect(dashboard.uid).toBe('parley-overview');
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr.replaceAll('$__rate_interval', '5m'));
    expect(exprs.length).toBeGreaterThan(20);
    const dir = mkdtempSync(join(tmpdir(), 'parley-dashboard-'));
    try {
      // Each query as a recording rule: promtool parses every one.
      const rules = { groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] };
      writeFileSync(join(dir, 'rules.yml'), stringify(rules));
      expect(await tool('promtool', ['check', 'rules', join(dir, 'rules.yml')])).toMatch(/SUCCESS: \d+ rules found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Prometheus configuration (promtool)', () => {
  it('the alert rules pass `promtool check rules`', async () => {
    expect(await tool('promtool', ['check', 'rules', 'infra/prometheus/alerts.yml'])).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('the alert rules fire as their unit tests expect (`promtool test rules`)', async () => {
    expect(await tool('promtool', ['test', 'rules', 'alerts.test.yml'], join(INFRA, 'prometheus'))).toMatch(/SUCCESS/);
  });

  it("compose's Prometheus configuration passes `promtool check config`", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-promconfig-'));
    try {
      // The file names its rules where the container mounts them; point that at the checkout.
      const config = readFileSync(join(INFRA, 'prometheus/prometheus.yml'), 'utf8').replace('/etc/prometheus/alerts.yml', join(INFRA, 'prometheus/alerts.yml'));
      writeFileSync(join(dir, 'prometheus.yml'), config);
      expect(await tool('promtool', ['check', 'config', join(dir, 'prometheus.yml')])).toMatch(/is valid prometheus config file syntax/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Docker Compose files', () => {
  const compose = yamlDocuments(join(INFRA, 'compose.yaml'))[0] as { services: Record<string, Record<string, unknown>>; volumes: Record<string, unknown> };
  const gpu = yamlDocuments(join(INFRA, 'compose.gpu.yaml'))[0] as { services: Record<string, Record<string, unknown>> };

  it("has the seed's services, plus apertium and the transcript writer", () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['redis', 'postgres', 'coturn', 'sfu', 'stt_worker', 'translation_worker', 'apertium', 'transcripts']));
  });

  it('workers, the transcript writer and apertium scale with --scale: no fixed name, no host port', () => {
    for (const name of ['stt_worker', 'translation_worker', 'transcripts', 'apertium']) {
      expect(compose.services[name], name).not.toHaveProperty('container_name');
      expect(compose.services[name], name).not.toHaveProperty('ports');
    }
  });

  it('every Dockerfile, target and mounted file it names exists', () => {
    for (const file of [compose, gpu]) {
      for (const [name, service] of Object.entries(file.services)) {
        const build = service.build as { context: string; dockerfile: string; target?: string } | undefined;
        if (build) {
          const dockerfile = join(INFRA, build.context, build.dockerfile);
          expect(existsSync(dockerfile), `${name}: ${build.dockerfile}`).toBe(true);
          if (build.target) expect(readFileSync(dockerfile, 'utf8'), `${name}: target ${build.target}`).toMatch(new RegExp(`^FROM .* AS ${build.target}$`, 'm'));
        }
        for (const volume of (service.volumes as string[] | undefined) ?? []) {
          const source = volume.split(':')[0]!;
          if (source.startsWith('./')) expect(existsSync(join(INFRA, source)), `${name}: ${source}`).toBe(true);
          else expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
        }
      }
    }
  });

  it('the GPU override only changes services the base file has, and reserves a GPU for speech recognition', () => {
    for (const name of Object.keys(gpu.services)) expect(compose.services).toHaveProperty(name);
    expect(JSON.stringify(gpu.services.stt_worker)).toMatch(/"driver":"nvidia"/);
  });

  it('every variable the compose files read from the environment is in infra/env.example', () => {
    const documented = envExampleNames();
    const text = readFileSync(join(INFRA, 'compose.yaml'), 'utf8') + readFileSync(join(INFRA, 'compose.gpu.yaml'), 'utf8');
    const used = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(2);
    for (const name of used) expect(documented.has(name), `${name} missing from infra/env.example`).toBe(true);
  });
});

describe('Dockerfiles', () => {
  const dockerfiles = filesUnder(join(INFRA, 'docker'), (n) => n.endsWith('.Dockerfile'));

  it('copy only files that exist, from stages defined before, and run as an unprivileged user', () => {
    expect(dockerfiles.map((f) => basename(f)).sort()).toEqual(['mt.Dockerfile', 'sfu.Dockerfile', 'stt.Dockerfile']);
    for (const file of dockerfiles) {
      const name = relative(ROOT, file);
      const lines = readFileSync(file, 'utf8').replace(/\\\n/g, ' ').split('\n');
      const stages: string[] = [];
      let user: string | undefined;
      for (const line of lines) {
        const from = line.match(/^FROM \S+ AS (\S+)$/);
        if (from) {
          expect(stages, `${name}: stage ${from[1]} defined twice`).not.toContain(from[1]);
          stages.push(from[1]!);
          user = undefined;
        }
        const copy = line.match(/^COPY (--from=(\S+) )?(.+) \S+$/);
        if (copy?.[2]) {
          // Another stage, or an image reference (which has a tag or a registry path).
          expect(stages.includes(copy[2]) || /[:/]/.test(copy[2]), `${name}: COPY --from=${copy[2]}`).toBe(true);
        } else if (copy) {
          for (const source of copy[3]!.split(/\s+/)) expect(existsSync(join(ROOT, source)), `${name}: COPY ${source}`).toBe(true);
        }
        user = line.match(/^USER (\S+)/)?.[1] ?? user;
        if (line.startsWith('CMD ')) expect(user, `${name}: stage ${stages.at(-1)} runs as root`).toMatch(/^(node|1000)$/);
      }
    }
  });
});

describe('Kubernetes manifests', () => {
  it('every object validates against its schema (bundled Kubernetes OpenAPI and KEDA CRD schemas)', () => {
    const objects = k8sObjects();
    expect(objects.length).toBeGreaterThan(20);
    for (const { file, object } of objects) {
      expect(() => validateKubernetesObject(object), `${file}: ${object.kind} ${object.metadata?.name}`).not.toThrow();
    }
  });

  it('no object has a field its schema does not know (a misspelt field is ignored by a cluster)', () => {
    expect(unknownFields(k8sObjects().map(({ file, object }) => ({ name: `${file}: ${object.kind} ${object.metadata.name}`, object })))).toEqual([]);
  });

  it('the validation rejects what a cluster would reject', () => {
    const deployment = workloads().find(({ object }) => object.kind === 'Deployment')!.object;
    const broken = structuredClone(deployment) as unknown as { spec: { replicas: unknown; template: PodTemplate } };
    broken.spec.replicas = 'two';
    expect(() => validateKubernetesObject(broken as never)).toThrow(/replicas must be integer/);
    const noPort = structuredClone(deployment) as unknown as { spec: { template: PodTemplate } };
    noPort.spec.template.spec.containers[0]!.readinessProbe = { httpGet: { path: '/readyz' } };
    expect(() => validateKubernetesObject(noPort as never)).toThrow(/must have required property '?port'?/);
    expect(() => validateKubernetesObject({ apiVersion: 'example.org/v1', kind: 'Gizmo' })).toThrow(/no schema here for example\.org\/v1\/Gizmo/);
    const misspelt = structuredClone(deployment) as unknown as { spec: { template: PodTemplate } };
    (misspelt.spec.template.spec.containers[0] as Record<string, unknown>).readinesProbe = { httpGet: { path: '/readyz', port: 1 } };
    expect(unknownFields([{ name: 'misspelt', object: misspelt as never }])).toEqual([expect.stringMatching(/^misspelt: .*readinesProbe.* does not exist in type 'IContainer'/)]);
  });

  it('kustomization.yaml lists every manifest but the Secret templates, and only files that exist', () => {
    const kustomization = yamlDocuments(join(INFRA, 'k8s/kustomization.yaml'))[0] as { resources: string[] };
    for (const resource of kustomization.resources) expect(existsSync(join(INFRA, 'k8s', resource)), resource).toBe(true);
    const expected = k8sFiles().map((f) => basename(f)).filter((f) => f !== 'secrets.example.yaml');
    expect([...kustomization.resources].sort()).toEqual(expected.sort());
  });

  it('every object lives in the parley namespace', () => {
    for (const { file, object } of k8sObjects()) if (object.kind !== 'Namespace') expect(object.metadata.namespace, `${file}: ${object.metadata.name}`).toBe('parley');
  });

  it('every long-running container has readiness and liveness probes (sidecars: startup and liveness)', () => {
    for (const { file, object } of workloads()) {
      const spec = template(object).spec;
      for (const c of spec.containers) {
        expect(c.readinessProbe, `${file}: ${c.name} readiness`).toBeDefined();
        expect(c.livenessProbe, `${file}: ${c.name} liveness`).toBeDefined();
      }
      for (const c of (spec.initContainers ?? []).filter((i) => i.restartPolicy === 'Always')) {
        expect(c.startupProbe ?? c.readinessProbe, `${file}: sidecar ${c.name} startup`).toBeDefined();
        expect(c.livenessProbe, `${file}: sidecar ${c.name} liveness`).toBeDefined();
      }
    }
  });

  it('every PodDisruptionBudget selects the pods of one workload, and the scaled workers all have one', () => {
    const pdbs = k8sObjects().filter(({ object }) => object.kind === 'PodDisruptionBudget');
    for (const { file, object } of pdbs) {
      const selector = (object.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const matching = workloads().filter(({ object: w }) => Object.entries(selector).every(([k, v]) => template(w).metadata.labels[k] === v));
      expect(matching, `${file}: ${object.metadata.name}`).toHaveLength(1);
    }
    expect(pdbs.map(({ object }) => object.metadata.name)).toEqual(expect.arrayContaining(['sfu', 'stt', 'mt', 'transcripts']));
  });

  it('KEDA scales existing Deployments on the counted stream lag through Prometheus, never on pending entries', () => {
    const scaled = k8sObjects().filter(({ object }) => object.kind === 'ScaledObject');
    expect(scaled.map(({ object }) => object.metadata.name).sort()).toEqual(['mt', 'stt']);
    const deployments = new Set(workloads().filter(({ object }) => object.kind === 'Deployment').map(({ object }) => object.metadata.name));
    for (const { object } of scaled) {
      const spec = object.spec as { scaleTargetRef: { name: string }; triggers: { type: string; metadata: Record<string, string> }[] };
      expect(deployments.has(spec.scaleTargetRef.name)).toBe(true);
      expect(spec.triggers.every((t) => t.type === 'prometheus')).toBe(true);
      expect(spec.triggers.some((t) => /parley_stream_lag_entries\{stream="parley:(stt:assign|mt:jobs)"/.test(t.metadata.query ?? ''))).toBe(true);
      expect(JSON.stringify(spec.triggers)).not.toMatch(/pending/i);
    }
  });

  it('the settings in the parley-config ConfigMap are all in infra/env.example', () => {
    const documented = envExampleNames();
    const config = k8sObjects().find(({ object }) => object.kind === 'ConfigMap' && object.metadata.name === 'parley-config')!.object as unknown as { data: Record<string, string> };
    for (const name of Object.keys(config.data)) expect(documented.has(name), `${name} missing from infra/env.example`).toBe(true);
  });
});

describe('shell scripts', () => {
  it('every shell script passes shellcheck', async () => {
    const scripts = [...filesUnder(join(ROOT, 'scripts'), (n) => n.endsWith('.sh')), ...filesUnder(INFRA, (n) => n.endsWith('.sh')), join(ROOT, '.ci/run')];
    expect(scripts.map((s) => relative(ROOT, s))).toEqual(expect.arrayContaining(['scripts/setup.sh', 'scripts/test.sh', 'infra/db-backup.sh']));
    await tool('shellcheck', ['--severity=style', ...scripts]);
  });
});
