import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const WORKFLOW = fileURLToPath(new URL('../../.github/workflows/desktop.yml', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../package.json', import.meta.url));

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, { types?: string[]; paths?: string[] } | null>;
  permissions: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; permissions?: Record<string, string>; steps: Step[] }>;
}

/** GitHub's own workflow parser (the one its editor tooling uses): the schema errors it finds. */
function schemaErrors(content: string): string[] {
  const result = parseWorkflow({ name: 'desktop.yml', content }, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((e) => e.message);
}

describe('.github/workflows/desktop.yml', () => {
  const content = readFileSync(WORKFLOW, 'utf8');
  const workflow = parse(content, { uniqueKeys: true }) as Workflow;
  const job = workflow.jobs['windows-installer']!;
  const step = (match: (s: Step) => boolean, what: string): Step => {
    const found = job.steps.find(match);
    expect(found, what).toBeDefined();
    return found!;
  };

  it('is a valid workflow by GitHub’s own parser and schema, and its parser finds errors when there are some', async () => {
    expect(schemaErrors(content)).toEqual([]);
    const result = parseWorkflow({ name: 'desktop.yml', content }, new NoOperationTraceWriter());
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(template.errors ?? []).toEqual([]);
    expect(template.jobs.map((j) => j.id.value)).toEqual(['windows-installer']);
    expect(schemaErrors(content.replace('    runs-on: windows-latest', '    runs_on: windows-latest'))).not.toEqual([]);
    expect(schemaErrors(content.replace('types: [published]', 'types: [publishd]'))).not.toEqual([]);
  });

  it('builds on windows-latest for changes to the app, by hand, and for every published release', () => {
    expect(job['runs-on']).toBe('windows-latest');
    expect(workflow.on.release).toEqual({ types: ['published'] });
    expect(workflow.on).toHaveProperty('workflow_dispatch');
    expect(workflow.on.pull_request?.paths).toContain('desktop-shell/**');
    expect(workflow.on.push?.paths).toContain('desktop-shell/**');
  });

  it('installs without install scripts, checks the configuration, and builds the NSIS installer', () => {
    expect(step((s) => s.uses?.startsWith('actions/setup-node@') ?? false, 'setup-node').with).toMatchObject({ 'node-version': 20 });
    expect(step((s) => s.run?.startsWith('npm ci') ?? false, 'npm ci').run).toContain('--ignore-scripts');
    const order = job.steps.map((s) => s.run ?? s.uses ?? '');
    const check = order.indexOf('npm run check:builder -w desktop-shell');
    const build = order.indexOf('npm run dist:win -w desktop-shell');
    expect(check).toBeGreaterThan(0);
    expect(build).toBeGreaterThan(check);
    const scripts = (JSON.parse(readFileSync(PACKAGE, 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['dist:win']).toMatch(/^npm run build && electron-builder --win nsis --x64 --publish never$/);
    expect(scripts['check:builder']).toBe('tsx scripts/checkBuilderConfig.ts');
  });

  it('keeps the installer, and attaches it with the update feed to the release', () => {
    const upload = step((s) => s.uses?.startsWith('actions/upload-artifact@') ?? false, 'upload-artifact');
    expect(String(upload.with?.path).split('\n').filter(Boolean)).toEqual(['desktop-shell/release/Parley Setup *.exe', 'desktop-shell/release/Parley Setup *.exe.blockmap', 'desktop-shell/release/latest.yml']);
    expect(upload.with?.['if-no-files-found']).toBe('error');
    const attach = step((s) => s.run?.startsWith('gh release upload') ?? false, 'gh release upload');
    expect(attach.if).toBe("github.event_name == 'release'");
    expect(attach.run).toContain('desktop-shell/release/Parley\\ Setup\\ *.exe');
    expect(attach.run).toContain('latest.yml');
    expect(attach.env?.GH_TOKEN).toBe('${{ github.token }}');
    expect(job.permissions).toEqual({ contents: 'write' });
    expect(workflow.permissions).toEqual({ contents: 'read' });
  });

  it('passes untrusted values to scripts through the environment only, and pins actions to a major version', () => {
    for (const s of job.steps) {
      if (s.run) expect(s.run, s.name).not.toContain('${{');
      if (s.uses) expect(s.uses).toMatch(/^actions\/[a-z-]+@v\d+$/);
    }
  });
});
