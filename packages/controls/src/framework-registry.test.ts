import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { FRAMEWORK_REGISTRY, baseReference, referenceTitle, unknownReferenceMessage } from './framework-registry.js'

const iso = (id: string) => unknownReferenceMessage('iso42001', id)
const eu = (id: string) => unknownReferenceMessage('euAiAct', id)
const nist = (id: string) => unknownReferenceMessage('nistAiRmf', id)

const ANNEX_A = [
  'A.2.2', 'A.2.3', 'A.2.4', 'A.3.2', 'A.3.3', 'A.4.2', 'A.4.3', 'A.4.4', 'A.4.5', 'A.4.6',
  'A.5.2', 'A.5.3', 'A.5.4', 'A.5.5', 'A.6.1.2', 'A.6.1.3', 'A.6.2.2', 'A.6.2.3', 'A.6.2.4', 'A.6.2.5',
  'A.6.2.6', 'A.6.2.7', 'A.6.2.8', 'A.7.2', 'A.7.3', 'A.7.4', 'A.7.5', 'A.7.6', 'A.8.2', 'A.8.3',
  'A.8.4', 'A.8.5', 'A.9.2', 'A.9.3', 'A.9.4', 'A.10.2', 'A.10.3', 'A.10.4',
]
const CLAUSES = [
  '4.1', '4.2', '4.3', '4.4', '5.1', '5.2', '5.3', '6.1', '6.1.1', '6.1.2', '6.1.3', '6.1.4', '6.2', '6.3',
  '7.1', '7.2', '7.3', '7.4', '7.5', '8.1', '8.2', '8.3', '8.4', '9.1', '9.2', '9.2.1', '9.2.2',
  '9.3', '9.3.1', '9.3.2', '9.3.3', '10.1', '10.2',
]

describe('ISO/IEC 42001 references', () => {
  it('holds exactly the 38 Annex A controls and the clauses, nothing else', () => {
    const ids = Object.keys(FRAMEWORK_REGISTRY.iso42001.references)
    expect(ids.filter((id) => id.startsWith('A.'))).toEqual(ANNEX_A)
    expect(ids.filter((id) => !id.startsWith('A.'))).toEqual(CLAUSES)
    // Per objective, as the standard counts them: A.2 = 3, A.3 = 2, A.4 = 5, A.5 = 4, A.6 = 9, A.7 = 5, A.8 = 4, A.9 = 3, A.10 = 3.
    const perObjective = Object.fromEntries([2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => [n, ANNEX_A.filter((id) => id.split('.')[1] === String(n)).length]))
    expect(perObjective).toEqual({ 2: 3, 3: 2, 4: 5, 5: 4, 6: 9, 7: 5, 8: 4, 9: 3, 10: 3 })
    for (const id of [...ANNEX_A, ...CLAUSES]) expect(iso(id), id).toBeUndefined()
    expect(referenceTitle('iso42001', 'A.6.2.6')).toBe('AI system operation and monitoring')
    expect(referenceTitle('iso42001', '9.1')).toBe('Monitoring, measurement, analysis and evaluation')
  })

  it('refuses the ids public summaries invent, naming what the objective has', () => {
    expect(iso('A.7.7')).toBe('unknown ISO/IEC 42001 reference "A.7.7": Annex A.7 has A.7.2-A.7.6')
    expect(iso('A.3.4')).toBe('unknown ISO/IEC 42001 reference "A.3.4": Annex A.3 has A.3.2, A.3.3')
    expect(iso('A.6.2.9')).toBe('unknown ISO/IEC 42001 reference "A.6.2.9": Annex A.6.2 has A.6.2.2-A.6.2.8')
    expect(iso('A.8.6')).toContain('Annex A.8 has A.8.2-A.8.5')
    expect(iso('A.9.5')).toContain('Annex A.9 has A.9.2-A.9.4')
    expect(iso('A.11.1')).toContain('A.2.2 to A.10.4')
  })

  it('refuses objectives and whole clauses, and says what to cite instead', () => {
    expect(iso('A.6.2')).toContain('A.6.2 is an objective, not a control; cite one of A.6.2.2-A.6.2.8')
    expect(iso('A.6')).toContain('A.6.1.2, A.6.1.3, A.6.2.2-A.6.2.8')
    expect(iso('9')).toContain('cite a sub-clause of 9: 9.1-9.3')
    expect(iso('8.5')).toContain('clause 8 has 8.1-8.4')
    expect(iso('9.2.3')).toContain('clause 9.2 has 9.2.1, 9.2.2')
    expect(iso('11.1')).toContain('clauses 4.1 to 10.2')
  })

  it('suggests the registered spelling when one is close', () => {
    expect(iso('a7.4')).toMatch(/did you mean A\.7\.4\?$/)
    expect(iso('Annex A.6.2.6')).toMatch(/did you mean A\.6\.2\.6\?$/)
    expect(iso('6.2.6')).toMatch(/did you mean A\.6\.2\.6\?$/)
    // A.7.7 is one edit away from five controls: no guess.
    expect(iso('A.7.7')).not.toContain('did you mean')
  })
})

describe('EU AI Act references', () => {
  it('accepts the listed articles, alone or refined to a paragraph and point', () => {
    for (const id of ['Art. 9', 'Art. 10', 'Art. 12', 'Art. 15', 'Art. 17', 'Art. 19', 'Art. 26', 'Art. 72', 'Art. 73']) expect(eu(id), id).toBeUndefined()
    for (const id of ['Art. 9(2)(c)', 'Art. 26(5)', 'Art. 10(2)(f)', 'Art. 17(1)(h)', 'Art. 15(4)']) expect(eu(id), id).toBeUndefined()
    expect(baseReference('euAiAct', 'Art. 9(2)(c)')).toBe('Art. 9')
    expect(referenceTitle('euAiAct', 'Art. 26(5)')).toBe('Obligations of deployers of high-risk AI systems')
  })

  it('refuses an article outside the registry, with the draft-era renumbering when that is the cause', () => {
    expect(eu('Art. 61')).toBe(
      'unknown EU AI Act reference "Art. 61": the registry has Art. 9, Art. 10, Art. 12, Art. 15, Art. 17, Art. 19, Art. 26, Art. 72, Art. 73' +
        " (Art. 61 is the 2021 proposal's number; the adopted Regulation has it as Art. 72)",
    )
    expect(eu('Art. 61(1)')).toContain('Art. 72')
    expect(eu('Art. 3(49)')).toContain('the registry has Art. 9')
    expect(eu('Art. 16')).not.toContain('did you mean')
  })

  it('refuses other spellings and suggests the registered one', () => {
    expect(eu('Article 9(2)')).toContain('did you mean Art. 9(2)?')
    expect(eu('Art.26(5)')).toContain('did you mean Art. 26(5)?')
    expect(eu('Art. 17(h)')).toContain('expected an article such as Art. 9')
  })
})

describe('NIST AI RMF references', () => {
  it('accepts the listed subcategories and the categories the notes say exist', () => {
    for (const id of ['MEASURE 2.4', 'MEASURE 2.5', 'MEASURE 2.7', 'MEASURE 2.11', 'MEASURE 2.13', 'MEASURE 3.1', 'MEASURE 3.3', 'MANAGE 2.3', 'MANAGE 2.4', 'MANAGE 4.1', 'MANAGE 4.3']) {
      expect(nist(id), id).toBeUndefined()
    }
    for (const id of ['GOVERN 1', 'GOVERN 6', 'MAP 1', 'MAP 5', 'MEASURE 1', 'MEASURE 4', 'MANAGE 1', 'MANAGE 4']) expect(nist(id), id).toBeUndefined()
    expect(Object.keys(FRAMEWORK_REGISTRY.nistAiRmf.references)).toHaveLength(6 + 5 + 4 + 4 + 11)
  })

  it('refuses unlisted subcategories and categories that do not exist', () => {
    expect(nist('MEASURE 2.6')).toContain('the registry has the subcategories MEASURE 2.4, MEASURE 2.5, MEASURE 2.7, MEASURE 2.11, MEASURE 2.13, MEASURE 3.1, MEASURE 3.3; or cite the category MEASURE 2')
    expect(nist('GOVERN 1.1')).toContain('the registry has no GOVERN subcategory: cite the category GOVERN 1')
    expect(nist('GOVERN 7')).toContain('GOVERN has categories GOVERN 1-GOVERN 6')
    expect(nist('MAP 6')).toContain('MAP has categories MAP 1-MAP 5')
    expect(nist('MS-2.4')).toContain('did you mean MEASURE 2.4?')
    expect(nist('Measure 2.11')).toContain('did you mean MEASURE 2.11?')
  })
})

// The registry is a copy of the project's framework notes; when the notes are at hand (they sit
// beside the repository), the copy must still match them.
// The framework notes the registry was built from, copied into the project (data/frameworks/README.md).
const NOTES = fileURLToPath(new URL('../../../data/frameworks/README.md', import.meta.url))

describe('the registry against data/frameworks/README.md', () => {
  const notes = readFileSync(NOTES, 'utf8')

  it('lists every Annex A control of the notes, with the same title', () => {
    const rows = [...notes.matchAll(/^\| (A\.\d+(?:\.\d+)+) \| ([^|]+) \|$/gm)].map((m) => [m[1]!, m[2]!.trim()])
    expect(rows).toHaveLength(38)
    expect(rows.map(([id]) => id)).toEqual(ANNEX_A)
    for (const [id, title] of rows) expect(referenceTitle('iso42001', id!), id).toBe(title)
  })

  it('lists every article and NIST subcategory of the notes', () => {
    const articles = [...notes.matchAll(/^\| (Art\. \d+) \|/gm)].map((m) => m[1]!)
    expect(articles).toEqual(Object.keys(FRAMEWORK_REGISTRY.euAiAct.references))
    const nistSection = notes.slice(notes.indexOf('## NIST AI RMF'), notes.indexOf('## Conventions'))
    const listed: string[] = []
    for (const [, fn, rest] of nistSection.matchAll(/(MEASURE|MANAGE) (\d+\.\d+ \([^)]*\)(?:,\s+\d+\.\d+ \([^)]*\))*)/g)) {
      for (const [, number] of rest!.matchAll(/(\d+\.\d+) \(/g)) listed.push(`${fn} ${number}`)
    }
    expect(listed).toHaveLength(11)
    for (const id of listed) expect(nist(id), id).toBeUndefined()
  })
})
