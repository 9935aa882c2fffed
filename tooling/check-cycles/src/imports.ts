// What one TypeScript file imports, read from its syntax tree alone (no type checker: the whole
// workspace parses in well under a second).
import ts from 'typescript';

/**
 * How an import edge acts at run time.
 * - `value`: the module is loaded and evaluated when the importer is. Under `verbatimModuleSyntax`
 *   (tooling/tsconfig/base.json) this is every static import or re-export not written
 *   `import type` / `export type`, including `import { type A } from` (it is emitted as
 *   `import {} from`, which still loads the module).
 * - `type`: erased before run time (`import type`, `export type ... from`, `typeof import('...')`).
 * - `dynamic`: `import('...')`, loaded later, when the call runs.
 */
export type ImportKind = 'value' | 'type' | 'dynamic';

export interface ImportRecord {
  readonly specifier: string;
  readonly kind: ImportKind;
  /** 1-based line of the import, for messages. */
  readonly line: number;
}

export function readImports(fileName: string, text: string): ImportRecord[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKind(fileName));
  const found: ImportRecord[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, kind: ImportKind): void => {
    if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ specifier: specifier.text, kind, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true ? 'type' : 'value');
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly ? 'type' : 'value');
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (ts.isExternalModuleReference(node.moduleReference)) {
        add(node, node.moduleReference.expression, node.isTypeOnly ? 'type' : 'value');
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], 'dynamic');
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument)) add(node, argument.literal, 'type');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function scriptKind(fileName: string): ts.ScriptKind {
  return fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
}
