import Handlebars from 'handlebars';

/** Thrown when a template uses a variable nobody defined; `line` is the template's line. */
export class TemplateVariableError extends Error {
  constructor(
    message: string,
    readonly variable: string | undefined,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

/**
 * Renders a handlebars template the way every tnbuild template is rendered: strict (an undefined variable is an
 * error, never an empty string) and without HTML escaping (these are config files, not web pages).
 */
export function renderTemplate(source: string, vars: Readonly<Record<string, unknown>>): string {
  const render = Handlebars.compile(source, { strict: true, noEscape: true });
  try {
    return render(vars);
  } catch (error) {
    const message = (error as Error).message;
    // Handlebars: '"rpcPort" not defined in [object Object] - 3:12'
    const match = /"([^"]+)" not defined in .* - (\d+):\d+/.exec(message);
    if (!match) throw error;
    throw new TemplateVariableError(
      `uses {{${match[1]}}}, which no \`vars\` defines`,
      match[1],
      Number(match[2]),
    );
  }
}

type Node = { type: string; [key: string]: unknown };

/**
 * The variables a template reads (`http.url`, `vars.suite`), found without rendering it: so `validate` can name an
 * unknown one before any build. Helpers' names are not variables; their arguments are.
 */
export function templateVariables(source: string): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    const current = node as Node;
    if (current.type === 'PathExpression') {
      found.add(String(current.original).replace(/^this\./, ''));
      return;
    }
    if (
      current.type === 'MustacheStatement' ||
      current.type === 'BlockStatement' ||
      current.type === 'SubExpression'
    ) {
      const params = (current.params as unknown[] | undefined) ?? [];
      const hash = (current.hash as { pairs?: { value: unknown }[] } | undefined)?.pairs ?? [];
      // With arguments the path names a helper; alone it is a variable.
      if (params.length === 0 && hash.length === 0) visit(current.path);
      visit(params);
      visit(hash.map((pair) => pair.value));
      visit(current.program);
      visit(current.inverse);
      return;
    }
    if (current.type === 'Program') visit(current.body);
  };
  visit(Handlebars.parse(source));
  return [...found];
}
