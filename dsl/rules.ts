import { CONSOLE_TEMPLATE_VARIABLES, KeyNotationError, parseKeys } from './console-notation.ts';
import { isInPrefix, network64, parseIpv6 } from './ipv6.ts';
import type { RecipeIssue } from './recipe-issue.ts';
import { templateVariables } from './render-template.ts';
import type { ResolvedArtifact, ResolvedRecipe } from './resolved-recipe.ts';
import { isLocalInput, sourceInputs } from './source-inputs.ts';

// Cross-field rules, each a small function over resolved recipes. They only report; they never throw.

export const ULA_NETWORK = 'fd10:1234::';
export const ULA_PREFIX = 32;

type Report = (field: string, message: string) => void;

function checkNetwork(recipe: ResolvedRecipe, report: Report): void {
  const network = recipe.steps.filter((step) => step.type === 'network');
  for (const step of network) {
    const field = step.field === 'network' ? 'network.ula' : `${step.field}.address`;
    if (!parseIpv6(step.address))
      report(field, `expected an IPv6 address such as "fd10:1234::1", got "${step.address}"`);
    else if (!isInPrefix(step.address, ULA_NETWORK, ULA_PREFIX)) {
      report(field, `expected an address in ${ULA_NETWORK}/${ULA_PREFIX}, got "${step.address}"`);
    }
    if (!Number.isInteger(step.prefix) || step.prefix < ULA_PREFIX || step.prefix > 128) {
      report(field, `expected a prefix length between ${ULA_PREFIX} and 128, got "${step.prefix}"`);
    }
  }
}

function checkPorts(recipe: ResolvedRecipe, report: Report): void {
  const seen = {
    name: new Map<string, number>(),
    host: new Map<number, number>(),
    guest: new Map<number, number>(),
  };
  recipe.ports.forEach((port, index) => {
    for (const key of ['name', 'host', 'guest'] as const) {
      const map = seen[key] as Map<string | number, number>;
      const first = map.get(port[key]);
      if (first !== undefined)
        report(
          `ports[${index}].${key}`,
          `${key} ${port[key]} is already used by ports[${first}]; each port needs its own`,
        );
      else map.set(port[key], index);
    }
  });
  if (!recipe.ports.some((port) => port.guest === 22)) {
    report('ports', 'expected a port with `guest: 22` (SSH), e.g. { name: "ssh", guest: 22, host: 2222 }');
  }
}

function checkUsers(recipe: ResolvedRecipe, report: Report): void {
  const seen = new Map<string, string>();
  for (const step of recipe.steps) {
    if (step.type !== 'user') continue;
    const first = seen.get(step.user);
    if (first)
      report(step.field, `user "${step.user}" is already declared at ${first}; declare each user once`);
    else seen.set(step.user, step.field);
  }
}

function checkPerArch(recipe: ResolvedRecipe, report: Report): void {
  const check = (field: string, artifact: ResolvedArtifact) => {
    for (const arch of recipe.arches) {
      if (!artifact.url[arch])
        report(
          `${field}.url`,
          `has no URL for ${arch}; add \`${arch}: "https://…"\` or drop ${arch} from \`arch\``,
        );
      if (!artifact.checksum[arch])
        report(`${field}.checksum`, `has no checksum for ${arch}; add \`${arch}: "sha256:…"\``);
    }
  };
  for (const { field, input } of sourceInputs(recipe.source)) if (!isLocalInput(input)) check(field, input);
  for (const step of recipe.steps)
    if (step.type === 'download') check(`${step.field}.artifact`, step.artifact);
}

function checkParent(recipe: ResolvedRecipe, report: Report): void {
  if (recipe.source.type !== 'parent') return;
  const parent = recipe.source.parent;
  if (recipe.os.family !== parent.os.family || recipe.os.release !== parent.os.release) {
    report(
      'os',
      `must match the parent "${parent.name}" (${parent.os.family} ${parent.os.release}); leave it out to inherit`,
    );
  }
  const extra = recipe.arches.filter((arch) => !parent.arches.includes(arch));
  if (extra.length) report('arch', `the parent "${parent.name}" is not built for ${extra.join(', ')}`);
  if (recipe.machine.diskBytes < parent.machine.diskBytes) {
    report(
      'machine.disk',
      `must be at least the parent's disk (${parent.machine.diskBytes / 2 ** 30} GiB): a child's disk grows, never shrinks`,
    );
  }
}

/** The services this recipe and its parents declare with service steps. */
function declaredServices(recipe: ResolvedRecipe): Set<string> {
  const names = new Set<string>();
  for (let layer: ResolvedRecipe | undefined = recipe; layer; ) {
    for (const step of layer.steps) if (step.type === 'service') names.add(step.service);
    layer = layer.source.type === 'parent' ? layer.source.parent : undefined;
  }
  return names;
}

/** As an Ansible handler must exist: a notify that names no declared service would fail after the change it follows. */
function checkNotify(recipe: ResolvedRecipe, report: Report): void {
  const services = declaredServices(recipe);
  for (const step of recipe.steps) {
    if (!('notify' in step)) continue;
    step.notify.forEach((name, index) => {
      if (!services.has(name)) {
        report(
          `${step.field}.notify[${index}]`,
          `"${name}" names no service; declare it with service('${name}') in this recipe or its parent`,
        );
      }
    });
  }
}

/**
 * Addresses, host ports and VM names are shared by every VM running at once, so they must be unique across recipes.
 * A clash is blamed on the later recipe, or, when only some recipes are being checked (`validate monitor`), on
 * the checked one, whichever other recipe it clashes with.
 */
export function checkRecipeSet(
  recipes: readonly ResolvedRecipe[],
  fileOf: (recipe: ResolvedRecipe) => string,
  checked?: ReadonlySet<string>,
): RecipeIssue[] {
  const issues: RecipeIssue[] = [];
  const owners = new Map<string, { recipe: ResolvedRecipe; field: string }>();
  const claim = (what: string, recipe: ResolvedRecipe, field: string, message: (other: string) => string) => {
    const owner = owners.get(what);
    if (!owner) {
      owners.set(what, { recipe, field });
      return;
    }
    const blamed = !checked || checked.has(recipe.name) ? { recipe, field } : owner;
    const other = blamed.recipe === recipe ? owner.recipe : recipe;
    if (checked && !checked.has(blamed.recipe.name)) return;
    issues.push({ file: fileOf(blamed.recipe), field: blamed.field, message: message(other.name) });
  };
  for (const recipe of recipes) {
    if (recipe.network) {
      const { address } = recipe.network;
      claim(
        `ula ${address}`,
        recipe,
        'network.ula',
        (other) => `${address} is already the address of "${other}"`,
      );
    }
    recipe.ports.forEach((port, index) => {
      claim(
        `port ${port.host}`,
        recipe,
        `ports[${index}].host`,
        (other) => `host port ${port.host} is already forwarded by "${other}"`,
      );
    });
    claim(
      `vm ${recipe.vm.name}`,
      recipe,
      'vm.name',
      (other) =>
        `VM name "${recipe.vm.name}" is already the clones' name of "${other}"; give each recipe its own`,
    );
  }
  return issues;
}

/**
 * Clones share one network segment, and each takes a /64 on it: an address outside the /64 most recipes use is not
 * on-link for the others, so they reach it only through a router. A warning, for a network that has one.
 */
export function checkSharedSegment(
  recipes: readonly ResolvedRecipe[],
  fileOf: (recipe: ResolvedRecipe) => string,
  checked?: ReadonlySet<string>,
): RecipeIssue[] {
  const bySegment = new Map<string, ResolvedRecipe[]>();
  for (const recipe of recipes) {
    const segment = recipe.network && network64(recipe.network.address);
    if (segment) bySegment.set(segment, [...(bySegment.get(segment) ?? []), recipe]);
  }
  if (bySegment.size < 2) return [];
  // The most used /64; on a tie, the first recipe's.
  const [shared, members] = [...bySegment].reduce((best, next) =>
    next[1].length > best[1].length ? next : best,
  );
  return [...bySegment]
    .filter(([segment]) => segment !== shared)
    .flatMap(([, outside]) => outside)
    .filter((recipe) => !checked || checked.has(recipe.name))
    .map((recipe) => ({
      file: fileOf(recipe),
      field: 'network.ula',
      message: `${recipe.network!.address} is outside ${shared}, the segment ${members.map((member) => `"${member.name}"`).join(' and ')} use${members.length === 1 ? 's' : ''}: the VMs reach it only through a router; pick an address in ${shared}`,
    }));
}

/** vm.firstBoot goes into the template's manifest and every release of it, in the clear. */
function checkSecretsStayOut(recipe: ResolvedRecipe, report: Report): void {
  recipe.vm.firstBoot.forEach((command, index) => {
    for (const [name, value] of Object.entries(recipe.secrets)) {
      if (command.includes(value)) {
        report(
          `vm.firstBoot[${index}]`,
          `holds secrets.${name}, and first-boot commands are stored in the template's manifest and its releases; write the secret into a file with a step, and read it from there`,
        );
      }
    }
  });
}

/** Variables a console template may read that nothing defines: a typo would fail the build halfway through. */
function unknownVariables(source: string, recipe: ResolvedRecipe): string[] {
  let variables: string[];
  try {
    variables = templateVariables(source);
  } catch (error) {
    return [`(not a template: ${(error as Error).message.split('\n')[0]})`];
  }
  const known = new Set<string>(CONSOLE_TEMPLATE_VARIABLES);
  return variables.filter((name) => {
    if (known.has(name)) return false;
    const [head, key] = name.split('.');
    return !(head === 'vars' && key !== undefined && Object.hasOwn(recipe.vars, key));
  });
}

function unknownMessage(names: readonly string[]): string {
  return `uses ${names.map((name) => `{{${name}}}`).join(', ')}, which ${names.length === 1 ? 'is' : 'are'} not defined; use ${CONSOLE_TEMPLATE_VARIABLES.map((name) => `{{${name}}}`).join(', ')} or {{vars.NAME}} for a key of \`vars\``;
}

/** A console installer whose steps cannot run as written: a key name that is not one, a variable nobody sets. */
function checkConsoleInstaller(recipe: ResolvedRecipe, report: Report): void {
  if (recipe.source.type === 'parent' || recipe.source.installer.type !== 'console') return;
  const installer = recipe.source.installer;
  if (recipe.source.type === 'netboot') {
    const unknown = unknownVariables(recipe.source.cmdline, recipe);
    if (unknown.length) report('source.cmdline', unknownMessage(unknown));
    if (installer.after === 'reboot' && !('ssh' in installer.end))
      report(
        'source.installer.after',
        "a netboot guest that reboots in place boots the installer's kernel again; leave `after` out, or use 'boot-disk'",
      );
  }
  const checkSteps = (list: 'boot' | 'afterBoot') =>
    installer[list].forEach((step, index) => {
      if (!('send' in step)) return;
      const field = `source.installer.${list}[${index}].send`;
      try {
        const texts = parseKeys(step.send).flatMap((part) =>
          'text' in part && !part.keys ? [part.text] : [],
        );
        const unknown = texts.flatMap((text) => unknownVariables(text, recipe));
        if (unknown.length) report(field, unknownMessage(unknown));
      } catch (error) {
        if (!(error instanceof KeyNotationError)) throw error;
        report(field, error.message);
      }
    });
  checkSteps('boot');
  checkSteps('afterBoot');
  for (const [name, template] of Object.entries(installer.templates)) {
    const unknown = unknownVariables(template.content, recipe);
    if (unknown.length) report(`source.installer.files.${name}.template`, unknownMessage(unknown));
  }
  if ('powerOff' in installer.end && installer.after === 'reboot')
    report(
      'source.installer.after',
      "a guest that powers itself off cannot reboot in place; leave `after` out, or use 'boot-disk'",
    );
  if ('ssh' in installer.end && installer.afterBoot.length > 0)
    report(
      'source.installer.afterBoot',
      'with end: { ssh: true } the installed system is the live one: there is no boot after the install to run these in',
    );
}

const RULES = [
  checkNetwork,
  checkPorts,
  checkUsers,
  checkPerArch,
  checkParent,
  checkNotify,
  checkSecretsStayOut,
  checkConsoleInstaller,
];

export function checkRecipe(recipe: ResolvedRecipe, file: string): RecipeIssue[] {
  const issues: RecipeIssue[] = [];
  for (const rule of RULES) rule(recipe, (field, message) => issues.push({ file, field, message }));
  return issues;
}
