import type { References } from '../api/types.js'

/** A control's framework references; ISO/IEC 42001 first, as the AIMS is built on it. */
export function ReferenceList({ references, compact = false }: { references: References | undefined; compact?: boolean }) {
  if (!references) return null
  const rows: [string, string[] | undefined][] = [
    ['ISO/IEC 42001', references.iso42001],
    ['EU AI Act', references.euAiAct],
    ['NIST AI RMF', references.nistAiRmf],
  ]
  const shown = rows.filter(([, refs]) => refs && refs.length > 0).filter((_, i) => !compact || i === 0)
  return (
    <dl class="references">
      {shown.map(([name, refs]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{refs!.join(', ')}</dd>
        </div>
      ))}
    </dl>
  )
}
