import { describe, expect, it } from 'vitest';
import { createRecipeProject, isoRecipe, runTnbuild, wroteNothing } from '../helpers/recipe-project.ts';

// Every bad input: exit 2, a message naming the file, the field and what is expected, nothing written.
async function expectRejected(files: Record<string, string>, args: string[], ...patterns: RegExp[]) {
  const dir = createRecipeProject(files);
  const result = await runTnbuild(dir, args);
  expect(result.exitCode, result.stderr).toBe(2);
  for (const pattern of patterns) expect(result.stderr).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack for user errors
  expect(wroteNothing(dir)).toBe(true);
  return result;
}

const validate = ['validate', '--no-typecheck'];

describe('bad input', () => {
  it('unknown recipe name lists the known ones', async () => {
    await expectRejected(
      { 'recipes/base.ts': isoRecipe() },
      ['plan', 'nod'],
      /TNB100.*no recipe named "nod"/,
      /Known recipes: base/,
    );
  });

  it('missing and wrongly typed fields', async () => {
    const recipe = `import { defineRecipe } from 'tnbuild';
export default defineRecipe({ os: { family: 'alpine', release: '3.22' }, machine: { cpus: '4' as unknown as number, memory: 'lots' } } as never);`;
    await expectRejected(
      { 'recipes/base.ts': recipe },
      validate,
      /recipes\/base\.ts:\d+:\d+ › source: is required \(expected object\)/,
      /recipes\/base\.ts:\d+:\d+ › machine\.cpus: expected number, got "4"/,
      /recipes\/base\.ts:\d+:\d+ › machine\.memory: expected a size such as "512M"/,
    );
  });

  it('a misspelt field gets a suggestion and a wrong step type lists the types', async () => {
    await expectRejected(
      {
        'recipes/base.ts': isoRecipe(`  pakages: ['curl'], steps: [{ type: 'shel', run: 'true' }] as never,`),
      },
      validate,
      /recipes\/base\.ts:\d+:\d+ › pakages: unknown field "pakages" — did you mean "packages"\?/,
      /recipes\/base\.ts:\d+:\d+ › steps\[0\]\.type: expected `type` to be package \| user \| file \| template \| service \| sysctl \| network \| download \| shell, got "shel"/,
    );
  });

  it('an invalid IPv6 address, and one outside fd10:1234::/32', async () => {
    await expectRejected(
      { 'recipes/base.ts': isoRecipe(`  network: { ula: 'fd10:1234::zz' },`) },
      validate,
      /base\.ts:\d+:\d+ › network\.ula: expected an IPv6 address/,
    );
    await expectRejected(
      { 'recipes/base.ts': isoRecipe(`  steps: [{ type: 'network', address: 'fd00::1/64' }],`) },
      validate,
      /base\.ts:\d+:\d+ › steps\[0\]\.address: expected an address in fd10:1234::\/32, got "fd00::1"/,
    );
  });

  it('a port out of range, and one used twice', async () => {
    const body = isoRecipe().replace(
      "ports: [{ name: 'ssh', guest: 22, host: 2221 }],",
      "ports: [{ name: 'ssh', guest: 22, host: 2221 }, { name: 'rpc', guest: 70000, host: 2221 }],",
    );
    await expectRejected(
      { 'recipes/base.ts': body },
      validate,
      /base\.ts:\d+:\d+ › ports\[1\]\.guest: expected at most 65535, got 70000/,
    );
    const twice = isoRecipe().replace(
      "ports: [{ name: 'ssh', guest: 22, host: 2221 }],",
      "ports: [{ name: 'ssh', guest: 22, host: 2221 }, { name: 'rpc', guest: 26657, host: 2221 }],",
    );
    await expectRejected(
      { 'recipes/base.ts': twice },
      validate,
      /base\.ts:\d+:\d+ › ports\[1\]\.host: host 2221 is already used by ports\[0\]/,
    );
  });

  it('host ports and ULA addresses shared between recipes', async () => {
    const child = (name: string) => `import { defineRecipe } from 'tnbuild';
export default defineRecipe({ source: { type: 'parent', recipe: 'base' }, network: { ula: 'fd10:1234::1' },
  ports: [{ name: 'ssh', guest: 22, host: 2222 }], vm: { name: '${name}' } });`;
    await expectRejected(
      { 'recipes/base.ts': isoRecipe(), 'recipes/a.ts': child('a'), 'recipes/b.ts': child('b') },
      validate,
      /b\.ts:\d+:\d+ › network\.ula: fd10:1234::1 is already the address of "a"/,
      /b\.ts:\d+:\d+ › ports\[0\]\.host: host port 2222 is already forwarded by "a"/,
    );
  });

  it('duplicate user names', async () => {
    await expectRejected(
      {
        'recipes/base.ts': isoRecipe(
          `  users: [{ user: 'warden' }], steps: [{ type: 'user', user: 'warden' }],`,
        ),
      },
      validate,
      /base\.ts:\d+:\d+ › steps\[0\]: user "warden" is already declared at users\[0\]/,
    );
  });

  it('a malformed checksum', async () => {
    await expectRejected(
      { 'recipes/base.ts': isoRecipe().replace(/sha256:a+/, 'sha256:abc') },
      validate,
      /base\.ts:\d+:\d+ › source\.iso\.checksum: expected "sha256:" and 64 lower-case hex digits/,
    );
  });

  it('a parent cycle', async () => {
    const parentOf = (parent: string) => `import { defineRecipe } from 'tnbuild';
export default defineRecipe({ source: { type: 'parent', recipe: '${parent}' } });`;
    await expectRejected(
      { 'recipes/a.ts': parentOf('b'), 'recipes/b.ts': parentOf('a') },
      validate,
      /› source\.recipe: parents form a cycle: (a → b → a|b → a → b)/,
    );
  });

  it('a template that uses an undefined variable (strict mode)', async () => {
    await expectRejected(
      {
        'recipes/base.ts': isoRecipe(`  vars: { port: 1 },
  steps: [{ type: 'template', path: '/etc/x.conf', source: 'files/x.conf.hbs' }],`),
        'recipes/files/x.conf.hbs': 'port = {{port}}\nhost = {{host}}\n',
      },
      validate,
      /base\.ts:\d+:\d+ › steps\[0\]\.source: template recipes\/files\/x\.conf\.hbs:2 uses \{\{host\}\}, which no `vars` defines/,
    );
  });

  it('a recipe that throws on import', async () => {
    await expectRejected(
      { 'recipes/base.ts': `const x = 1;\nthrow new Error('no network here');\nexport default x;\n` },
      validate,
      /recipes\/base\.ts:2: importing it threw: no network here/,
    );
  });

  it('a recipe with a syntax error names the line', async () => {
    await expectRejected(
      { 'recipes/base.ts': `export default {\n  a: 1,\n  b: \n};\n` },
      validate,
      /recipes\/base\.ts:4: syntax error: Unexpected "\}"/,
    );
  });

  it('a recipe with a type error names the line', async () => {
    // An error only TypeScript sees: the value it is in never reaches the schema.
    const recipe = isoRecipe().replace('export default', "const retries: number = 'three';\nexport default");
    await expectRejected(
      { 'recipes/base.ts': recipe },
      ['validate'],
      /recipes\/base\.ts:2:7 › TS2322: Type 'string' is not assignable to type 'number'/,
    );
  });

  it('a recipe with no default export', async () => {
    await expectRejected(
      { 'recipes/base.ts': `export const recipe = {};\n` },
      validate,
      /recipes\/base\.ts: the recipe has no default export/,
    );
  });

  it('a file a step needs is missing', async () => {
    await expectRejected(
      {
        'recipes/base.ts': isoRecipe(`  steps: [{ type: 'file', path: '/etc/motd', source: 'files/motd' }],`),
      },
      validate,
      /base\.ts:\d+:\d+ › steps\[0\]\.source: file "files\/motd" not found/,
    );
  });

  it('bad usage: unknown command, unknown flag, bad --arch', async () => {
    await expectRejected({ 'recipes/base.ts': isoRecipe() }, ['bogus'], /TNB110: unknown command "bogus"/);
    await expectRejected(
      { 'recipes/base.ts': isoRecipe() },
      ['plan', 'base', '--frobnicate'],
      /TNB110: Unknown option `--frobnicate`/,
    );
    await expectRejected(
      { 'recipes/base.ts': isoRecipe() },
      ['plan', 'base', '--arch', 'mips'],
      /--arch must be aarch64 or x86_64, got "mips"/,
    );
  });
});
