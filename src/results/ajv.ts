// One configured ajv instance for the project's schemas (scenario files, result files):
// all errors (not just the first), verbose (errors carry the offending value and the schema
// node, which schema-errors.ts turns into "expected ..., got ..."), discriminator support.

import AjvModule from 'ajv';
import type { Ajv as AjvInstance, Options, ValidateFunction } from 'ajv';

// ajv is CommonJS; under NodeNext its class is the default export's `default`.
const Ajv = (AjvModule as unknown as { default: new (options: Options) => AjvInstance }).default;

export function compileSchema<T>(schema: object): ValidateFunction<T> {
  const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, strict: true, allowUnionTypes: true });
  return ajv.compile<T>(schema);
}
