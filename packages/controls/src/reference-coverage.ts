import { FRAMEWORK_NAMES, FRAMEWORK_REGISTRY, baseReference, referenceTitle, type FrameworkName } from './framework-registry.js'

/**
 * Whether citing `cited` serves the registered reference `registered` of `framework`: the same
 * identifier, or a more specific one under it. `Art. 10(2)(f)` serves `Art. 10`; clause `9.3.2`
 * serves `9.3`; the subcategory `MEASURE 2.4` serves the category `MEASURE 2`. What the
 * Statement-of-Applicability coverage and the exclusion checks both count as "citing" a reference.
 *
 * @example
 * citesReference('euAiAct', 'Art. 10', 'Art. 10(2)(f)') // true
 * citesReference('iso42001', 'A.6.2', 'A.6.2.6')         // true (though A.6.2 is no registry entry)
 * citesReference('euAiAct', 'Art. 1', 'Art. 10')          // false
 */
export function citesReference(framework: FrameworkName, registered: string, cited: string): boolean {
  if (cited === registered) return true
  if (baseReference(framework, cited) === registered) return true
  // Dotted identifiers nest (9.3 → 9.3.2, MEASURE 2 → MEASURE 2.4); the dot keeps 9.1 from serving 9.10.
  return framework !== 'euAiAct' && cited.startsWith(`${registered}.`)
}

/**
 * The framework whose registry lists `reference` as one of its own rows (`A.10.3`, `Art. 73`,
 * `GOVERN 1`), else the framework it looks written for (`Art. 99` → euAiAct), so that a message can
 * say what that framework's registry holds. `known` says whether the registry has it.
 *
 * @example
 * frameworkOfReference('MEASURE 2.4') // { framework: 'nistAiRmf', known: true }
 */
export function frameworkOfReference(reference: string): { framework: FrameworkName; known: boolean } {
  for (const framework of FRAMEWORK_NAMES) {
    if (referenceTitle(framework, reference) !== undefined) return { framework, known: true }
  }
  if (/^art(icle)?\b/i.test(reference)) return { framework: 'euAiAct', known: false }
  if (/^(govern|map|measure|manage|gv|mp|ms|mg)\b/i.test(reference)) return { framework: 'nistAiRmf', known: false }
  return { framework: 'iso42001', known: false }
}

/** Whether `reference` is a row of the framework's registry as written (not a refinement such as `Art. 9(2)`). */
export function isRegistryRow(framework: FrameworkName, reference: string): boolean {
  return Object.hasOwn(FRAMEWORK_REGISTRY[framework].references, reference)
}
