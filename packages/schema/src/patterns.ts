/** The patterns of the wire format, shared by the zod schemas and the fast acceptor. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:/-]*$/
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.+:-]*$/
export const ID_PATTERN = /^[\x21-\x7e]+$/
export const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/
export const SPAN_ID_PATTERN = /^[0-9a-f]{16}$/
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/
