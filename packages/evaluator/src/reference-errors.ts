/**
 * Why an import of a reference data set was refused. One class with a code rather than a class per
 * case, so a CLI or an HTTP route maps codes to exit codes or statuses in one table:
 * - `invalid_options`: the options themselves (id, project, format, …);
 * - `unreadable_file`: the file cannot be opened or its format not told from its name;
 * - `empty_file`: no header, or a header and no rows;
 * - `bad_file`: the engine could not parse the file (the line is named when the engine gives it);
 * - `bad_values`: values that do not fit a column's kind (`abc` in a numeric feature), with lines;
 * - `missing_column`: a feature or attribute named in the options is not a column of the file;
 * - `no_columns`: nothing to import (no declared features or attributes in the file);
 * - `conflict`: the id is taken for this model by a file with another SHA-256 (HTTP 409);
 * - `unsupported_format`: the format cannot be loaded on this kind of store (Parquet on a server).
 */
export type ReferenceImportErrorCode =
  | 'invalid_options'
  | 'unreadable_file'
  | 'empty_file'
  | 'bad_file'
  | 'bad_values'
  | 'missing_column'
  | 'no_columns'
  | 'conflict'
  | 'unsupported_format'

export class ReferenceImportError extends Error {
  constructor(
    readonly code: ReferenceImportErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'ReferenceImportError'
  }
}
