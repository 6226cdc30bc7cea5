import type { ChainAnchor } from './hash-chain.js'

/** The hash chains the store keeps, by table: what an anchor may name. */
export const ANCHORED_CHAINS = ['evaluations', 'audit_log'] as const
export type AnchoredChain = (typeof ANCHORED_CHAINS)[number]

/** A chain's head taken earlier, as `aims verify --anchor` and `GET /v1/verify?anchor=` take it. */
export interface NamedChainAnchor extends ChainAnchor {
  readonly table: AnchoredChain
}

/**
 * Reads `<table>:<seq>:<hash>` (what a verification prints as `table`, `headSeq` and `headHash`,
 * e.g. `evaluations:412:9f86d0…`). Throws an Error saying what is wrong with the text.
 */
export function parseChainAnchor(text: string): NamedChainAnchor {
  const parts = text.split(':')
  const shown = JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text)
  if (parts.length !== 3) throw new Error(`anchor ${shown}: expected <table>:<seq>:<hash>, such as evaluations:412:<64 hex digits>`)
  const [table, seq, hash] = parts as [string, string, string]
  if (!(ANCHORED_CHAINS as readonly string[]).includes(table)) throw new Error(`anchor ${shown}: the table is one of ${ANCHORED_CHAINS.join(', ')}`)
  if (!/^[1-9]\d{0,15}$/.test(seq)) throw new Error(`anchor ${shown}: the seq is a record number from 1, in decimal digits`)
  if (!/^[0-9a-f]{64}$/i.test(hash)) throw new Error(`anchor ${shown}: the hash is 64 hex digits (a SHA-256, as printed with the head)`)
  return { table: table as AnchoredChain, seq: Number(seq), hash: hash.toLowerCase() }
}

/** The anchors of one chain. */
export function anchorsOf(anchors: readonly NamedChainAnchor[], table: AnchoredChain): ChainAnchor[] {
  return anchors.filter((a) => a.table === table).map(({ seq, hash }) => ({ seq, hash }))
}
