// `npm run docs:reference`: writes docs/recipe-reference.md from the schema and the helpers.
import { writeFileSync } from 'node:fs';
import { generateRecipeReference } from '../dsl/reference/generate-recipe-reference.ts';

const target = new URL('./recipe-reference.md', import.meta.url);
writeFileSync(target, `${await generateRecipeReference()}\n`);
console.log(`wrote ${target.pathname}`);
