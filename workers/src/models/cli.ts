import { runModelsCommand } from './modelsCommand.js';

process.exitCode = await runModelsCommand(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr });
