import { ConfigError, loadWorkerConfig, type WorkerConfig } from '../config.js';
import { chooseSttEngine, prepareMtEngines } from '../engines/choosers.js';
import { ALL_LANGUAGES, NO_ENGINE, engineTable } from '../engines/engineTable.js';
import { modelShelf } from '../engines/ModelShelf.js';
import { mtEngines, type MtEngineRegistry } from '../mt/mtEngines.js';
import { sttEngines, type SttEngineRegistry } from '../stt/sttEngines.js';
import { catalogEntry, catalogOf } from './catalog.js';
import type { CatalogEntry } from './catalogEntry.js';
import { NetworkUnreachableError } from './httpClient.js';
import { scanModels } from './inventory.js';
import { ModelDownloader } from './ModelDownloader.js';
import { ProgressBar, type ProgressOutput } from './ProgressBar.js';

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: ProgressOutput;
  /** Overrides for tests: a local server stands in for the Hub. */
  connectTimeoutMs?: number;
  retries?: number;
  /** The engines to list and choose from (tests add one of their own). */
  engines?: { stt: SttEngineRegistry; mt: MtEngineRegistry };
}

interface CommandContext {
  config: WorkerConfig;
  engines: { stt: SttEngineRegistry; mt: MtEngineRegistry };
  catalog: CatalogEntry[];
}

const USAGE = `Usage:
  npm run models -- list               models in MODELS_DIR and the engine each language pair will use
  npm run models -- pull <name>...     download models (with internet); names are listed by \`list\`
`;

/** `models list` / `models pull`; resolves with the process exit code. */
export async function runModelsCommand(argv: string[], io: CommandIo): Promise<number> {
  const engines = io.engines ?? { stt: sttEngines(), mt: mtEngines() };
  let config: WorkerConfig;
  try {
    config = loadWorkerConfig(io.env, engines);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr.write(`${error.message}\n`);
    return 2;
  }
  const context: CommandContext = { config, engines, catalog: catalogOf(engines.stt, engines.mt) };
  const [command, ...names] = argv;
  switch (command) {
    case 'list':
      await list(context, io);
      return 0;
    case 'pull':
      return pull(context, names, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      io.stderr.write(`Unknown command "${command}".\n${USAGE}`);
      return 2;
  }
}

async function pull({ config, catalog }: CommandContext, names: string[], io: CommandIo): Promise<number> {
  if (!names.length) {
    io.stderr.write(`Name at least one model to pull.\n${USAGE}`);
    return 2;
  }
  const unknown = names.filter((name) => !catalogEntry(name, catalog));
  if (unknown.length) {
    io.stderr.write(`Unknown model ${unknown.map((n) => `"${n}"`).join(', ')}. Pullable models: ${catalog.map((e) => e.name).join(', ')}.\n`);
    return 2;
  }
  const bar = new ProgressBar(io.stderr);
  const downloader = new ModelDownloader({
    baseUrl: config.HF_ENDPOINT,
    env: io.env,
    onProgress: (p) => bar.update(p),
    ...(io.connectTimeoutMs !== undefined && { connectTimeoutMs: io.connectTimeoutMs }),
    ...(io.retries !== undefined && { retries: io.retries }),
  });
  for (const name of names) {
    const entry = catalogEntry(name, catalog)!;
    io.stderr.write(`Pulling ${name} (${entry.repo}, about ${entry.approxMegabytes} MB) into ${config.MODELS_DIR}\n`);
    try {
      const result = await downloader.pull(entry, config.MODELS_DIR);
      bar.end();
      const fetched = result.files.filter((f) => !f.skipped).length;
      io.stdout.write(`${name}: ${fetched} file(s) downloaded and verified, ${result.files.length - fetched} already present${result.commit ? `, commit ${result.commit.slice(0, 12)}` : ''}.\n`);
    } catch (error) {
      bar.end();
      io.stderr.write(`${describeFailure(error, config, io.env)}\n`);
      return 1;
    }
  }
  return 0;
}

function describeFailure(error: unknown, config: WorkerConfig, env: NodeJS.ProcessEnv): string {
  if (error instanceof NetworkUnreachableError) {
    const proxy = env.HTTPS_PROXY || env.https_proxy;
    return (
      `Could not reach ${error.host} (${error.message}). Check your internet connection or proxy ` +
      `(${proxy ? `HTTPS_PROXY is ${proxy}` : 'set HTTPS_PROXY if you need one'}); or copy the model folders into ${config.MODELS_DIR} from a machine that has them. ` +
      'Partial downloads are kept and resume next time.'
    );
  }
  return `Pull failed: ${(error as Error).message}`;
}

async function list({ config, engines, catalog }: CommandContext, io: CommandIo): Promise<void> {
  const out = (line = ''): void => void io.stdout.write(`${line}\n`);
  const states = scanModels(config.MODELS_DIR, catalog);
  out(`Models in ${config.MODELS_DIR}:`);
  const width = Math.max(...catalog.map((e) => e.name.length));
  for (const entry of catalog) {
    out(`  ${entry.name.padEnd(width)}  ${(states.get(entry.name) ?? 'absent').padEnd(8)}  ~${String(entry.approxMegabytes).padStart(5)} MB  ${entry.description}`);
  }
  const context = { config, models: modelShelf(config.MODELS_DIR, catalog), log: { info() {}, warn() {} } };
  const stt = chooseSttEngine(context, engines.stt);
  const mt = await prepareMtEngines(context, engines.mt);
  const table = engineTable(stt, mt.choose);
  out();
  out(`Engines (STT_ENGINE=${config.STT_ENGINE}, MT_ENGINE=${config.MT_ENGINE}, MODEL_SIZE=${config.MODEL_SIZE}):`);
  const sttMissing = stt.missing(context);
  if (sttMissing) out(`  ${stt.name} cannot start yet: ${sttMissing}`);
  for (const [name, reason] of mt.unavailable) out(`  ${name} cannot run here: ${reason}`);
  out(`  source > target (${NO_ENGINE}: no captions in that language)`);
  const cell = Math.max(...Object.values(table).map((v) => v.length), 4);
  out(`  ${' '.repeat(4)}${ALL_LANGUAGES.map((l) => l.padEnd(cell)).join(' ')}`);
  for (const from of ALL_LANGUAGES) out(`  ${from.padEnd(4)}${ALL_LANGUAGES.map((to) => table[`${from}>${to}`].padEnd(cell)).join(' ')}`);
}
