import { editDistance } from './edit-distance.js'

/**
 * The pinned registry of framework references a control may cite. Copied from the project's
 * framework notes (shared/frameworks/README.md) on purpose: the registry is part of the release, so
 * an audit of a policy file gives the same answer whatever the machine it runs on. A reference not
 * listed here fails the policy load: a typo or an invented number (many public summaries invent
 * Annex A numbering) must never reach the evidence as if it were a real control.
 *
 * Strictness, per framework:
 * - ISO/IEC 42001:2023: every clause 4.1-10.2 with the sub-clauses the notes list (6.1.1-6.1.4,
 *   9.2.1-9.2.2, 9.3.1-9.3.3 and their parents 6.1, 9.2, 9.3), and exactly the 38 Annex A controls.
 *   Annex A objectives (A.6.2) and whole clauses (9) are not controls and are refused.
 * - EU AI Act: the articles runtime monitoring serves, written `Art. 9`; a paragraph, point and
 *   sub-point may refine one (`Art. 9(2)(c)`, `Art. 26(5)`). Only the article is checked: the
 *   registry does not hold the paragraph structure of the Regulation.
 * - NIST AI RMF 1.0: the subcategories the notes list (`MEASURE 2.4`), and the categories the notes
 *   say exist (`GOVERN 1`-`GOVERN 6`, `MAP 1`-`MAP 5`, `MEASURE 1`-`MEASURE 4`, `MANAGE 1`-`MANAGE 4`):
 *   citing a whole category is a true statement about a published outline, while an unlisted
 *   subcategory (`GOVERN 1.1`) cannot be checked here and is refused with a hint to cite its category.
 */

export type FrameworkName = 'iso42001' | 'euAiAct' | 'nistAiRmf'

export const FRAMEWORK_NAMES: readonly FrameworkName[] = ['iso42001', 'euAiAct', 'nistAiRmf']

export interface FrameworkDefinition {
  /** How people name the framework, as messages and reports print it. */
  readonly label: string
  /** The document the identifiers come from. */
  readonly source: string
  readonly edition: string
  /** How a reference is written, with an example. */
  readonly format: string
  /** Identifier → title (for ISO, the published title as commonly quoted). */
  readonly references: Readonly<Record<string, string>>
}

const ISO_CLAUSES: Record<string, string> = {
  '4.1': 'Understanding the organization and its context',
  '4.2': 'Understanding the needs and expectations of interested parties',
  '4.3': 'Determining the scope of the AI management system',
  '4.4': 'AI management system',
  '5.1': 'Leadership and commitment',
  '5.2': 'AI policy',
  '5.3': 'Roles, responsibilities and authorities',
  '6.1': 'Actions to address risks and opportunities',
  '6.1.1': 'Actions to address risks and opportunities: general',
  '6.1.2': 'AI risk assessment',
  '6.1.3': 'AI risk treatment (Statement of Applicability)',
  '6.1.4': 'AI system impact assessment',
  '6.2': 'AI objectives and planning to achieve them',
  '6.3': 'Planning of changes',
  '7.1': 'Resources',
  '7.2': 'Competence',
  '7.3': 'Awareness',
  '7.4': 'Communication',
  '7.5': 'Documented information',
  '8.1': 'Operational planning and control',
  '8.2': 'AI risk assessment',
  '8.3': 'AI risk treatment',
  '8.4': 'AI system impact assessment',
  '9.1': 'Monitoring, measurement, analysis and evaluation',
  '9.2': 'Internal audit',
  '9.2.1': 'Internal audit: general',
  '9.2.2': 'Internal audit programme',
  '9.3': 'Management review',
  '9.3.1': 'Management review: general',
  '9.3.2': 'Management review inputs',
  '9.3.3': 'Management review results',
  '10.1': 'Continual improvement',
  '10.2': 'Nonconformity and corrective action',
}

const ISO_ANNEX_A: Record<string, string> = {
  'A.2.2': 'AI policy',
  'A.2.3': 'Alignment with other organizational policies',
  'A.2.4': 'Review of the AI policy',
  'A.3.2': 'AI roles and responsibilities',
  'A.3.3': 'Reporting of concerns',
  'A.4.2': 'Resource documentation',
  'A.4.3': 'Data resources',
  'A.4.4': 'Tooling resources',
  'A.4.5': 'System and computing resources',
  'A.4.6': 'Human resources',
  'A.5.2': 'AI system impact assessment process',
  'A.5.3': 'Documentation of AI system impact assessments',
  'A.5.4': 'Assessing AI system impact on individuals or groups of individuals',
  'A.5.5': 'Assessing societal impacts of AI systems',
  'A.6.1.2': 'Objectives for responsible development of AI system',
  'A.6.1.3': 'Processes for responsible AI system design and development',
  'A.6.2.2': 'AI system requirements and specification',
  'A.6.2.3': 'Documentation of AI system design and development',
  'A.6.2.4': 'AI system verification and validation',
  'A.6.2.5': 'AI system deployment',
  'A.6.2.6': 'AI system operation and monitoring',
  'A.6.2.7': 'AI system technical documentation',
  'A.6.2.8': 'AI system recording of event logs',
  'A.7.2': 'Data for development and enhancement of AI system',
  'A.7.3': 'Acquisition of data',
  'A.7.4': 'Quality of data for AI systems',
  'A.7.5': 'Data provenance',
  'A.7.6': 'Data preparation',
  'A.8.2': 'System documentation and information for users',
  'A.8.3': 'External reporting',
  'A.8.4': 'Communication of incidents',
  'A.8.5': 'Information for interested parties',
  'A.9.2': 'Processes for responsible use of AI systems',
  'A.9.3': 'Objectives for responsible use of AI system',
  'A.9.4': 'Intended use of the AI system',
  'A.10.2': 'Allocating responsibilities',
  'A.10.3': 'Suppliers',
  'A.10.4': 'Customers',
}

/** Article → official title. The short notes in docs/controls.md say what each asks of monitoring. */
const EU_AI_ACT_ARTICLES: Record<string, string> = {
  'Art. 9': 'Risk management system',
  'Art. 10': 'Data and data governance',
  'Art. 12': 'Record-keeping',
  'Art. 15': 'Accuracy, robustness and cybersecurity',
  'Art. 17': 'Quality management system',
  'Art. 19': 'Automatically generated logs',
  'Art. 26': 'Obligations of deployers of high-risk AI systems',
  'Art. 72': 'Post-market monitoring by providers and post-market monitoring plan for high-risk AI systems',
  'Art. 73': 'Reporting of serious incidents',
}

/**
 * Article numbers of the Commission's 2021 proposal that public summaries still quote, and where
 * the same obligation sits in the adopted Regulation: a hint, never an accepted reference.
 */
const EU_AI_ACT_DRAFT_NUMBERS: Record<string, string> = {
  'Art. 20': 'Art. 19',
  'Art. 29': 'Art. 26',
  'Art. 61': 'Art. 72',
  'Art. 62': 'Art. 73',
}

const NIST_FUNCTIONS = { GOVERN: 6, MAP: 5, MEASURE: 4, MANAGE: 4 } as const
type NistFunction = keyof typeof NIST_FUNCTIONS

const NIST_SUBCATEGORIES: Record<string, string> = {
  'MEASURE 2.4': 'Functionality and behavior of the AI system and its components are monitored in production',
  'MEASURE 2.5': 'The AI system is demonstrated to be valid and reliable',
  'MEASURE 2.7': 'AI system security and resilience are evaluated and documented',
  'MEASURE 2.11': 'Fairness and bias are evaluated and results are documented',
  'MEASURE 2.13': 'Effectiveness of the employed TEVV metrics and processes is evaluated and documented',
  'MEASURE 3.1': 'Emergent risks are tracked against intended and actual performance',
  'MEASURE 3.3': 'Feedback from end users and impacted communities, including appeal, is captured and evaluated',
  'MANAGE 2.3': 'Procedures are followed to respond to and recover from previously unknown risks',
  'MANAGE 2.4': 'Mechanisms are in place to supersede, disengage or deactivate AI systems',
  'MANAGE 4.1': 'Post-deployment AI system monitoring plans are implemented',
  'MANAGE 4.3': 'Incidents and errors are communicated to relevant AI actors',
}

const NIST_CATEGORIES: Record<string, string> = Object.fromEntries(
  (Object.entries(NIST_FUNCTIONS) as [NistFunction, number][]).flatMap(([fn, count]) =>
    Array.from({ length: count }, (_, i) => [`${fn} ${i + 1}`, `${fn} category ${i + 1} (the whole category)`] as const)),
)

export const FRAMEWORK_REGISTRY: Readonly<Record<FrameworkName, FrameworkDefinition>> = {
  iso42001: {
    label: 'ISO/IEC 42001',
    source: 'ISO/IEC 42001:2023 Information technology — Artificial intelligence — Management system (clauses 4-10 and Annex A)',
    edition: '2023',
    format: 'a clause such as 9.1 or an Annex A control such as A.6.2.6',
    references: { ...ISO_CLAUSES, ...ISO_ANNEX_A },
  },
  euAiAct: {
    label: 'EU AI Act',
    source: 'Regulation (EU) 2024/1689 (Artificial Intelligence Act), OJ L, 12.7.2024',
    edition: '2024/1689',
    format: 'an article such as Art. 9, optionally with paragraph and point: Art. 9(2)(c)',
    references: EU_AI_ACT_ARTICLES,
  },
  nistAiRmf: {
    label: 'NIST AI RMF',
    source: 'NIST AI 100-1, Artificial Intelligence Risk Management Framework (AI RMF 1.0), January 2023',
    edition: '1.0',
    format: 'a subcategory such as MEASURE 2.4 or a category such as GOVERN 1',
    references: { ...NIST_CATEGORIES, ...NIST_SUBCATEGORIES },
  },
}

/** `Art. 9`, `Art. 9(2)`, `Art. 9(2)(c)`, `Art. 9(2)(c)(ii)`: article, paragraph, point, sub-point. */
const EU_REFERENCE = /^Art\. (\d{1,3})(?:\((\d{1,2})\)(?:\(([a-z]{1,2})\)(?:\(([ivx]{1,5})\))?)?)?$/

/**
 * The registered identifier a reference cites (`Art. 9(2)(c)` → `Art. 9`), or undefined when the
 * reference is not written the way the framework's registry expects.
 *
 * @example
 * baseReference('euAiAct', 'Art. 26(5)') // 'Art. 26'
 */
export function baseReference(framework: FrameworkName, reference: string): string | undefined {
  if (framework !== 'euAiAct') return reference
  const match = EU_REFERENCE.exec(reference)
  return match === null ? undefined : `Art. ${match[1]}`
}

/**
 * The title of a cited reference (the article's title for a refined EU AI Act reference), or
 * undefined when the registry does not know it.
 *
 * @example
 * referenceTitle('iso42001', 'A.6.2.6') // 'AI system operation and monitoring'
 */
export function referenceTitle(framework: FrameworkName, reference: string): string | undefined {
  const base = baseReference(framework, reference)
  const references = FRAMEWORK_REGISTRY[framework].references
  return base !== undefined && Object.hasOwn(references, base) ? references[base] : undefined
}

/** Registered identifiers, refined ones included (`Art. 9(2)(a)`), are far shorter than this. */
const MAX_ANALYSED_REFERENCE = 64
const REFERENCE_EXAMPLES: Record<FrameworkName, string> = { iso42001: 'A.6.2.6 or 9.1', euAiAct: 'Art. 72', nistAiRmf: 'MEASURE 2.4' }

/**
 * Undefined when `reference` is a known identifier of `framework`; otherwise a message saying what
 * was expected there, with the closest registered identifier when one is close.
 *
 * @example
 * unknownReferenceMessage('iso42001', 'A.6.2.6') // undefined
 * unknownReferenceMessage('iso42001', 'A.7.7')   // 'unknown ISO/IEC 42001 reference "A.7.7": Annex A.7 has A.7.2-A.7.6'
 */
export function unknownReferenceMessage(framework: FrameworkName, reference: string): string | undefined {
  if (referenceTitle(framework, reference) !== undefined) return undefined
  const { label } = FRAMEWORK_REGISTRY[framework]
  if (reference.length > MAX_ANALYSED_REFERENCE) {
    // Not a near miss of a short identifier; and the analysis below costs time quadratic in the length.
    return `unknown ${label} reference ${JSON.stringify(`${reference.slice(0, 40)}...`)} (${reference.length} characters): expected a short identifier such as ${REFERENCE_EXAMPLES[framework]}`
  }
  const expected = framework === 'iso42001' ? expectedIso(reference) : framework === 'euAiAct' ? expectedEu(reference) : expectedNist(reference)
  const suggestion = suggest(framework, reference)
  return `unknown ${label} reference ${JSON.stringify(reference)}: ${expected}${suggestion === undefined ? '' : `; did you mean ${suggestion}?`}`
}

// ── What was expected ────────────────────────────────────────────────────────────────────────────

/** The ids of `ids` under `prefix` (one level down), in registry order. */
function children(ids: readonly string[], prefix: string): string[] {
  return ids.filter((id) => id.startsWith(`${prefix}.`) && !id.slice(prefix.length + 1).includes('.'))
}

/** `A.7.2-A.7.6` for a run of consecutive numbers, a list otherwise. */
function span(ids: readonly string[]): string {
  const last = (id: string) => Number(id.slice(id.lastIndexOf('.') + 1))
  const consecutive = ids.every((id, i) => i === 0 || last(id) === last(ids[i - 1]!) + 1)
  return consecutive && ids.length > 2 ? `${ids[0]}-${ids[ids.length - 1]}` : ids.join(', ')
}

/** The controls under each objective, run by run: `A.6.1.2, A.6.1.3, A.6.2.2-A.6.2.8`. */
function groupedSpan(ids: readonly string[]): string {
  const groups = new Map<string, string[]>()
  for (const id of ids) {
    const parent = id.slice(0, id.lastIndexOf('.'))
    groups.set(parent, [...(groups.get(parent) ?? []), id])
  }
  return [...groups.values()].map(span).join(', ')
}

function expectedIso(reference: string): string {
  const annex = Object.keys(ISO_ANNEX_A)
  const clauses = Object.keys(ISO_CLAUSES)
  const under = (ids: readonly string[], prefix: string) => ids.filter((id) => id.startsWith(`${prefix}.`))
  if (/^A\.\d+(\.\d+)*$/.test(reference)) {
    if (under(annex, reference).length > 0) return `${reference} is an objective, not a control; cite one of ${groupedSpan(under(annex, reference))}`
    // Walk up from the cited id to the deepest objective the registry knows (A.7.7 → A.7).
    const parts = reference.split('.')
    for (let depth = parts.length - 1; depth >= 2; depth--) {
      const parent = parts.slice(0, depth).join('.')
      if (under(annex, parent).length > 0) return `Annex ${parent} has ${groupedSpan(under(annex, parent))}`
    }
    return 'Annex A has the objectives A.2-A.10 and their 38 controls, A.2.2 to A.10.4'
  }
  if (/^\d+(\.\d+)*$/.test(reference)) {
    if (children(clauses, reference).length > 0) return `cite a sub-clause of ${reference}: ${span(children(clauses, reference))}`
    const parts = reference.split('.')
    for (let depth = parts.length - 1; depth >= 1; depth--) {
      const parent = parts.slice(0, depth).join('.')
      const below = children(clauses, parent)
      if (below.length > 0) return `clause ${parent} has ${span(below)}`
    }
    return 'the requirements are clauses 4.1 to 10.2'
  }
  return `expected ${FRAMEWORK_REGISTRY.iso42001.format}`
}

function expectedEu(reference: string): string {
  const registered = Object.keys(EU_AI_ACT_ARTICLES).join(', ')
  const base = baseReference('euAiAct', reference)
  if (base === undefined) return `expected ${FRAMEWORK_REGISTRY.euAiAct.format}`
  const draft = EU_AI_ACT_DRAFT_NUMBERS[base]
  const hint = draft === undefined ? '' : ` (${base} is the 2021 proposal's number; the adopted Regulation has it as ${draft})`
  return `the registry has ${registered}${hint}`
}

function expectedNist(reference: string): string {
  const match = /^(GOVERN|MAP|MEASURE|MANAGE) (\d+)(?:\.(\d+))?$/.exec(reference)
  if (match === null) return `expected ${FRAMEWORK_REGISTRY.nistAiRmf.format} (function in capitals, a space, then the number)`
  const fn = match[1] as NistFunction
  const category = Number(match[2])
  if (category < 1 || category > NIST_FUNCTIONS[fn]) return `${fn} has categories ${fn} 1-${fn} ${NIST_FUNCTIONS[fn]}`
  const listed = Object.keys(NIST_SUBCATEGORIES).filter((id) => id.startsWith(`${fn} `))
  if (listed.length === 0) return `the registry has no ${fn} subcategory: cite the category ${fn} ${category}`
  return `the registry has the subcategories ${listed.join(', ')}; or cite the category ${fn} ${category}`
}

// ── Close suggestions ────────────────────────────────────────────────────────────────────────────

/** A registered identifier the reference was most likely meant to be, or undefined. */
function suggest(framework: FrameworkName, reference: string): string | undefined {
  const ids = Object.keys(FRAMEWORK_REGISTRY[framework].references)
  const normalised = normalise(framework, reference)
  if (normalised !== reference && referenceTitle(framework, normalised) !== undefined) return normalised
  // One edit away from exactly one identifier: a typo worth naming (A.7.7 is one edit from five).
  // Not for articles: Art. 16 is a real article one edit from Art. 15, never a typo of it.
  if (framework === 'euAiAct') return undefined
  const close = ids.filter((id) => editDistance(id.toLowerCase(), normalised.toLowerCase()) <= 1)
  return close.length === 1 ? close[0] : undefined
}

/** The reference rewritten in the registry's spelling: `a7.4` → `A.7.4`, `Article 9(2)` → `Art. 9(2)`. */
function normalise(framework: FrameworkName, reference: string): string {
  const compact = reference.trim().replace(/\s+/g, ' ')
  if (framework === 'iso42001') {
    const annex = /^(?:annex\s*)?a\.?\s*(\d+(?:\.\d+)*)$/i.exec(compact)
    if (annex !== null) return `A.${annex[1]}`
    const clause = /^(?:clause\s*)?(\d+(?:\.\d+)*)$/i.exec(compact)
    if (clause !== null) return Object.hasOwn(ISO_CLAUSES, clause[1]!) ? clause[1]! : `A.${clause[1]}`
    return compact
  }
  if (framework === 'euAiAct') {
    const article = /^(?:art(?:icle)?\.?\s*)(\d+)\s*((?:\([0-9a-z]+\)\s*)*)$/i.exec(compact)
    return article === null ? compact : `Art. ${article[1]}${article[2]!.replace(/\s+/g, '')}`
  }
  const abbreviations: Record<string, NistFunction> = { GV: 'GOVERN', MP: 'MAP', MS: 'MEASURE', MG: 'MANAGE' }
  const nist = /^([a-z]+)[\s-]*(\d+(?:\.\d+)?)$/i.exec(compact)
  if (nist === null) return compact
  const fn = nist[1]!.toUpperCase()
  return `${abbreviations[fn] ?? fn} ${nist[2]}`
}
