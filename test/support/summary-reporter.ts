import type { Reporter } from 'vitest/reporters'

type Task = { type: string; mode?: string; result?: { state?: string }; tasks?: Task[] }

/**
 * Prints one plain closing line, `tests: N passed, N failed[, N skipped]`, after vitest's own
 * summary: CI tooling that does not know vitest's format reads that line to tell a run that
 * tested nothing from a green one. (`onFinished` runs after the default reporter's summary.)
 */
export default class SummaryReporter implements Reporter {
  onFinished(files: Task[] = [], errors: unknown[] = []): void {
    const counts = { passed: 0, failed: 0, skipped: 0 }
    const visit = (task: Task) => {
      if (task.type === 'test') {
        const state = task.result?.state
        if (state === 'pass') counts.passed++
        else if (state === 'fail') counts.failed++
        else counts.skipped++
      }
      for (const child of task.tasks ?? []) visit(child)
    }
    for (const file of files) {
      visit(file)
      // A file that failed to load has no tests but must count as a failure.
      if (file.result?.state === 'fail' && (file.tasks ?? []).length === 0) counts.failed++
    }
    counts.failed += errors.length
    const skipped = counts.skipped ? `, ${counts.skipped} skipped` : ''
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed${skipped}\n`)
  }
}
