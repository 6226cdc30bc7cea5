import { ldexp } from './ldexp.js'

// Durbin's matrix algorithm for the two-sided one-sample KS CDF, P(D_n <= d), in the form of Marsaglia,
// Tsang & Wang (2003), as scipy's `_kolmogn_DMTW` (scipy/stats/_ksstats.py). Used by `kstwoSf` where
// Simard & L'Ecuyer (2011) say it is accurate: small n*d^2 (or n*d^1.5). Hand-written because no npm
// package offers the finite-n Kolmogorov distribution.

const E128 = 128
const EP128 = 2 ** 128
const EM128 = 2 ** -128

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m)
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number
      if (aik === 0) continue
      const rowB = k * m
      const rowOut = i * m
      for (let j = 0; j < m; j++) out[rowOut + j] = (out[rowOut + j] as number) + aik * (b[rowB + j] as number)
    }
  }
  return out
}

/**
 * P(D_n <= d) by the Durbin matrix method.
 *
 * @example
 * durbinMatrixCdf(10, 0.1) // 0.00036288 (scipy.stats.kstwo.cdf(0.1, 10))
 */
export function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1
  const nd = n * d
  if (nd <= 0.5) return 0
  const k = Math.ceil(nd)
  const h = k - nd
  const m = 2 * k - 1

  // v: first column (and, reversed, last row); w[j] = 1/j!.
  const v = new Float64Array(m)
  const w = new Float64Array(m)
  let fac = 1
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac
    fac /= j
    v[j - 1] = (1 - Math.pow(h, j)) * fac
  }
  const tt = Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m)
  v[m - 1] = (1 + tt) * fac

  let H = new Float64Array(m * m)
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)] as number
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r] as number
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] as number

  // Square-and-multiply for H^n, rescaling by 2^128 to stay in range.
  let Hpwr = new Float64Array(m * m)
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1
  let nn = n
  let expnt = 0
  let Hexpnt = 0
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m)
      expnt += Hexpnt
    }
    H = matmul(H, H, m)
    Hexpnt *= 2
    if (Math.abs(H[(k - 1) * m + (k - 1)] as number) > EP128) {
      for (let i = 0; i < H.length; i++) H[i] = (H[i] as number) / EP128
      Hexpnt += E128
    }
    nn = Math.floor(nn / 2)
  }

  let p = Hpwr[(k - 1) * m + (k - 1)] as number
  // Multiply by n!/n^n one factor at a time, rescaling to avoid underflow.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n
    if (Math.abs(p) < EM128) {
      p *= EP128
      expnt -= E128
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt)
  return Math.min(Math.max(p, 0), 1)
}
