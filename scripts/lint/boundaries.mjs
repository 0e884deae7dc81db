// Lint rule: the areas of src/ and the direction data flows between them (see docs/development.md).
// An import that leaves its area must name that area's index.ts, and may only go to an area the
// table below allows: adapters depend on ports and pure code, never the other way; nothing imports
// the roles (main/) or the command line (cli/).
import { dirname, relative, resolve, sep } from 'node:path';

export function boundariesPlugin({ srcDir, allowed }) {
  const areaOf = (file) => {
    const r = relative(srcDir, file);
    if (r.startsWith('..')) return undefined;
    const first = r.split(sep)[0];
    return first.endsWith('.ts') ? '' : first;
  };
  const rule = {
    meta: { type: 'problem', schema: [], messages: {
      deep: "Import area '{{to}}' through its index.ts, not '{{spec}}'.",
      direction: "Area '{{from}}' may not import area '{{to}}' (allowed: {{allowed}}).",
    } },
    create(context) {
      const file = context.filename;
      const from = areaOf(file);
      if (from === undefined) return {};
      const check = (node, spec) => {
        if (typeof spec !== 'string' || !spec.startsWith('.')) return;
        const target = resolve(dirname(file), spec);
        const to = areaOf(target);
        if (to === undefined || to === from) return;
        const rel = relative(srcDir, target).split(sep);
        if (!(rel.length === 2 && rel[1] === 'index.ts')) context.report({ node, messageId: 'deep', data: { to, spec } });
        const ok = allowed[from] ?? [];
        if (!ok.includes(to)) context.report({ node, messageId: 'direction', data: { from, to, allowed: ok.join(', ') || 'none' } });
      };
      return {
        ImportDeclaration: (n) => check(n, n.source.value),
        ExportAllDeclaration: (n) => check(n, n.source.value),
        ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
        ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
      };
    },
  };
  return { rules: { areas: rule } };
}
