const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions, keywords,
 * label names inside `{…}`, grouping labels in `by (…)`, strings, numbers or Grafana variables.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    const [token, call] = match;
    const name = token.replace(/\s*\($/, '');
    if (call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** The sample names in a Prometheus text exposition. */
export function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** `expr:` values (single-line or `|` blocks) and `record:` names of a Prometheus rules file. */
export function ruleExpressions(yaml: string): { exprs: string[]; records: string[] } {
  const lines = yaml.split('\n');
  const exprs: string[] = [];
  const records: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const record = /^\s*-?\s*record:\s*(\S+)/.exec(line);
    if (record?.[1] !== undefined) records.push(record[1]);
    const expr = /^(\s*)-?\s*expr:\s*(.*)$/.exec(line);
    if (expr === null) continue;
    const indent = (expr[1] ?? '').length;
    const rest = (expr[2] ?? '').trim();
    if (rest !== '|' && rest !== '>') {
      exprs.push(rest);
      continue;
    }
    const block: string[] = [];
    const indentOf = (text: string): number => text.length - text.trimStart().length;
    while (i + 1 < lines.length) {
      const next = lines[i + 1] ?? '';
      if (next.trim() !== '' && indentOf(next) <= indent) break;
      block.push(next.trim());
      i++;
    }
    exprs.push(block.join(' ').trim());
  }
  return { exprs, records };
}
