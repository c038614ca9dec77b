import { z } from 'zod';

/** The field names a strict object in `schema` accepts at `path` (for "did you mean" hints). */
export function schemaKeysAt(schema: z.ZodType, input: unknown, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  let value: unknown = input;
  for (const part of [...path, null]) {
    node = unwrap(node, value);
    if (part === null || node === undefined) break;
    if (node instanceof z.ZodObject) node = node.shape[String(part)] as z.ZodType | undefined;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else return [];
    value =
      value && typeof value === 'object'
        ? (value as Record<PropertyKey, unknown>)[part as string]
        : undefined;
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(node: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  while (node) {
    if (node instanceof z.ZodOptional) node = node.unwrap() as z.ZodType;
    else if (node instanceof z.ZodDiscriminatedUnion) node = pickOption(node.options as z.ZodType[], value);
    else if (node instanceof z.ZodUnion)
      node = (node.options as z.ZodType[]).find((option) => option instanceof z.ZodObject);
    else return node;
  }
  return undefined;
}

function pickOption(options: z.ZodType[], value: unknown): z.ZodType | undefined {
  const type = value && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
  return options.find(
    (option) =>
      option instanceof z.ZodObject && (option.shape as { type?: z.ZodLiteral }).type?.value === type,
  );
}
