/**
 * One thing wrong with a policy file, where it is and what was expected there. `path` names the
 * value in the parsed document (`controls[2].references.iso42001[0]`); `line` and `column` are
 * 1-based, as editors and `file:line:column` links count them.
 */
export interface PolicyProblem {
  readonly path: string
  readonly line: number
  readonly column: number
  readonly message: string
}

/** Problems in reading order (line, then column, then path), each listed once. */
export function sortProblems(problems: readonly PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>()
  return [...problems]
    .sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path) || a.message.localeCompare(b.message))
    .filter((p) => {
      const key = `${p.line}:${p.column}:${p.path}:${p.message}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

/**
 * The problems as `file:line:column: path: message` lines, the form editors and CI logs link to.
 *
 * @example
 * formatProblems([{ path: 'controls[0].thresholds.breach', line: 14, column: 15, message: 'expected a number, got "high"' }], 'policy.yaml')
 * // 'policy.yaml:14:15: controls[0].thresholds.breach: expected a number, got "high"'
 */
export function formatProblems(problems: readonly PolicyProblem[], source: string): string {
  return problems.map((p) => `${source}:${p.line}:${p.column}: ${p.path === '' ? '' : `${p.path}: `}${p.message}`).join('\n')
}
