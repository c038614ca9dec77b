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
