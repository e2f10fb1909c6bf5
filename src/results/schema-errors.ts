// Turns ajv errors into messages a user can act on: `<source>: <field path>: expected <what>,
// got <value>`, with the path written the way the user would write it (phases[1].rate).

import type { ErrorObject } from 'ajv';

export function fieldPath(instancePath: string): string {
  if (instancePath === '') return '';
  let out = '';
  for (const part of instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else out += out === '' ? key : `.${key}`;
  }
  return out;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value); // JSON would say null
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

type Schema = Record<string, unknown>;

/** What a schema node accepts, in words. */
export function expectation(schema: Schema | undefined): string {
  if (schema === undefined) return 'a valid value';
  if ('const' in schema) return JSON.stringify(schema['const']);
  const type = schema['type'];
  const enumValues = schema['enum'] as unknown[] | undefined;
  if (enumValues !== undefined) return `one of ${enumValues.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`;
  if (type === 'number' || type === 'integer') {
    const noun = type === 'integer' ? 'integer' : 'number';
    const exclusiveMinimum = schema['exclusiveMinimum'] as number | undefined;
    const minimum = schema['minimum'] as number | undefined;
    const maximum = schema['maximum'] as number | undefined;
    const article = noun === 'integer' ? 'an' : 'a';
    let text = `${article} ${noun}`;
    if (exclusiveMinimum === 0 || (type === 'integer' && minimum === 1)) text = `a positive ${noun}`;
    else if (minimum === 0) text = `a non-negative ${noun}`;
    else if (minimum !== undefined) text = `${text} >= ${minimum}`;
    else if (exclusiveMinimum !== undefined) text = `${text} > ${exclusiveMinimum}`;
    if (maximum !== undefined) text += minimum !== undefined && minimum !== 0 && !(type === 'integer' && minimum === 1) ? ` and <= ${maximum}` : ` <= ${maximum}`;
    return text;
  }
  if (type === 'string') {
    const pattern = schema['pattern'] as string | undefined;
    return pattern !== undefined ? `a string matching ${pattern}` : 'a string';
  }
  if (type === 'array') {
    const minItems = schema['minItems'] as number | undefined;
    return minItems !== undefined && minItems > 0 ? `a list of at least ${minItems} item${minItems === 1 ? '' : 's'}` : 'a list';
  }
  if (type === 'object') return 'a mapping (key: value)';
  if (type === 'boolean') return 'true or false';
  if (Array.isArray(type)) return `one of the types ${type.join(', ')}`;
  return 'a valid value';
}

/** One line per problem (deduplicated, bounded), each naming the field. Requires ajv's verbose mode. */
export function describeAjvErrors(errors: readonly ErrorObject[], linesMax = 10): string[] {
  const lines: string[] = [];
  const seenPaths = new Set<string>();
  for (const error of errors) {
    const path = fieldPath(error.instancePath);
    let line: string;
    switch (error.keyword) {
      case 'additionalProperties': {
        const extra = (error.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((error.parentSchema?.['properties'] as Schema | undefined) ?? {});
        line = `${join(path, extra)}: unknown field; expected one of: ${allowed.join(', ')}`;
        break;
      }
      case 'required': {
        const missing = (error.params as { missingProperty: string }).missingProperty;
        const sub = (error.parentSchema?.['properties'] as Record<string, Schema> | undefined)?.[missing];
        line = `${join(path, missing)}: missing; expected ${expectation(sub)}`;
        break;
      }
      case 'discriminator':
        line = `${join(path, 'type')}: expected one of closed, open, got ${show((error.data as Schema | undefined)?.['type'])}`;
        break;
      case 'if':
      case 'oneOf':
      case 'anyOf':
        continue;
      default: {
        const hint = error.data === null ? ' (YAML reads a bare null or ~ as "nothing": quote it, e.g. "null")' : '';
        line = `${path === '' ? '(top level)' : path}: expected ${expectation(error.parentSchema as Schema | undefined)}, got ${show(error.data)}${hint}`;
      }
    }
    // One message per field: a value that is the wrong type also fails its enum/minimum, and a
    // missing phase type also fails the discriminator on that field.
    const field = error.keyword === 'required' ? join(path, (error.params as { missingProperty: string }).missingProperty) : error.keyword === 'discriminator' ? join(path, 'type') : path;
    const key = error.keyword === 'additionalProperties' ? line : field;
    if (seenPaths.has(key)) continue;
    seenPaths.add(key);
    lines.push(line);
    if (lines.length >= linesMax) break;
  }
  return lines;
}
