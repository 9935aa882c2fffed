// `pnpm check:cycles` (run first by `pnpm test`): exits 1 on any circular import or package
// dependency cycle in the workspace. Usage: tsx src/main.ts [workspace root]
import { resolve } from 'node:path';
import { checkWorkspace, failed, formatResult } from './check.js';

const root = resolve(process.argv[2] ?? process.cwd());
const result = checkWorkspace(root);
const report = formatResult(result);
if (failed(result)) {
  console.error(report);
  process.exitCode = 1;
} else {
  console.log(report);
}
