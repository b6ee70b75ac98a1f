import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A model whose validate() checks an object against the schema bundled in its npm package. */
type Validating = new (data: never) => { validate(): void };

/**
 * The Kubernetes kinds infra/k8s uses: the validating model of each (kubernetes-models carries the
 * Kubernetes OpenAPI schemas, @kubernetes-models/keda KEDA's CRDs; no network), and the module
 * and interface that type it.
 */
const MODELS: Record<string, { model: Validating; module: string; type: string }> = {
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1/Secret', type: 'ISecret' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
  'apps/v1/DaemonSet': { model: DaemonSet, module: 'kubernetes-models/apps/v1/DaemonSet', type: 'IDaemonSet' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget' },
  'keda.sh/v1alpha1/ScaledObject': { model: ScaledObject, module: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', type: 'IScaledObject' },
};

type Manifest = { apiVersion?: unknown; kind?: unknown };

function modelFor(object: Manifest) {
  const key = `${String(object.apiVersion)}/${String(object.kind)}`;
  const entry = MODELS[key];
  if (!entry) throw new Error(`no schema here for ${key}: add its model to scripts/lib/kubernetesModels.ts`);
  return entry;
}

/** Throws with the schema's complaint, or says the kind has no model here. */
export function validateKubernetesObject(object: Manifest): void {
  new (modelFor(object).model)(object as never).validate();
}

/**
 * Fields the schema does not know (a misspelt `readinesProbe` passes the schema, which allows
 * extra fields, and the cluster then ignores it). Each object is type-checked as a literal of its
 * model's interface, whose excess-property check names every unknown field; one message per field.
 */
export function unknownFields(objects: { name: string; object: Manifest }[]): string[] {
  const dir = mkdtempSync(join(ROOT, 'node_modules/.parley-k8s-check-'));
  try {
    const lines: string[] = [];
    const names: string[] = [];
    objects.forEach(({ name, object }, i) => {
      const { module, type } = modelFor(object);
      lines.push(`import type { ${type} as T${i} } from '${module}';`, `export const o${i}: T${i} = ${JSON.stringify(object)};`);
      names.push(name);
    });
    const file = join(dir, 'manifests.ts');
    writeFileSync(file, lines.join('\n'));
    const program = ts.createProgram([file], { strict: true, noEmit: true, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, skipLibCheck: true, types: [] });
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
      return `${names[Math.floor(line / 2)] ?? 'manifests'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
