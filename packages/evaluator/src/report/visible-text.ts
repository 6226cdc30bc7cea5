/**
 * Characters of report data that would act instead of showing: C0/C1 controls (NUL, ESC, …) and the
 * Unicode bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), with which a title
 * or an acknowledgement note could reverse the text after it ("by Alice" read backwards, an outcome
 * shown flipped). Tabs and line breaks are not here: each renderer decides what a line break is.
 */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g

/**
 * The text with each such character written as a visible `<U+202E>`: the reader sees that the data
 * held it, and nothing is reordered. The JSON report (and its content hash) keeps the data as it is.
 */
export function visibleText(text: string): string {
  return text.replace(INVISIBLE, (ch) => `<U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}>`)
}
