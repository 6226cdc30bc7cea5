/**
 * One control of model `m` as YAML under `controls:`: the fields every test control carries alike
 * (approval, references, owners, a daily schedule), then the test's own (`fields`: metric, window,
 * thresholds, … as YAML lines indented four spaces).
 */
export function controlYaml(id: string, fields: string, options: { version?: number; title?: string } = {}): string {
  return `  - id: ${id}
    version: ${options.version ?? 1}
    title: ${options.title ?? id}
    status: active
    approval: { by: Ops lead, at: 2026-10-01, reference: OPS-1 }
    references: { iso42001: ['9.1'] }
    owner: { accountable: Ops lead, responsible: Ops team }
    scope: { model: m }
    schedule: { every: 1d }
    severity: medium
${fields}`
}
