import { ldexp } from './ldexp.js'

// Pomeranz's recursion (1974) for the two-sided one-sample KS CDF, P(D_n <= x), as scipy's
// `_kolmogn_Pomeranz` (scipy/stats/_ksstats.py). Simard & L'Ecuyer use it for n <= 140 and
// 0.754693 < n x^2 <= 4. Hand-written: no npm package has the finite-n Kolmogorov distribution.

const E128 = 128
const EP128 = 2 ** 128
const EM128 = 2 ** -128

function rowBounds(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number
  let j2: number
  if (i === 0) {
    j1 = -ll - ceilf - 1
    j2 = ll + ceilf - 1
  } else {
    const ip1div2 = Math.floor((i + 1) / 2)
    const ip1mod2 = (i + 1) % 2
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1
        j2 = n + ll + ceilf - 1
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1
        j2 = ip1div2 + ll - 1 + ceilf - 1
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1
      j2 = ip1div2 + ll + roundf - 1
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)]
}

/**
 * P(D_n <= x) by Pomeranz's recursion.
 *
 * @example
 * pomeranzCdf(20, 0.2) // 0.647279826376585 (scipy.stats.kstwo.cdf(0.2, 20))
 */
export function pomeranzCdf(n: number, x: number): number {
  const t = n * x
  const ll = Math.floor(t)
  const f = t - ll
  const g = Math.min(f, 1 - f)
  const ceilf = f > 0 ? 1 : 0
  const roundf = f > 0.5 ? 1 : 0
  const npwrs = 2 * (ll + 1)
  // (g/n)^m/m!, (2g/n)^m/m!, ((1-2g)/n)^m/m!: Poisson probabilities without their normalising factor.
  const gpower = new Float64Array(npwrs)
  const twogpower = new Float64Array(npwrs)
  const onem2gpower = new Float64Array(npwrs)
  gpower[0] = 1
  twogpower[0] = 1
  onem2gpower[0] = 1
  let expnt = 0
  const gOverN = g / n
  const twoGOverN = (2 * g) / n
  const oneMinusTwoGOverN = (1 - 2 * g) / n
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = ((gpower[m - 1] as number) * gOverN) / m
    twogpower[m] = ((twogpower[m - 1] as number) * twoGOverN) / m
    onem2gpower[m] = ((onem2gpower[m - 1] as number) * oneMinusTwoGOverN) / m
  }

  let V0 = new Float64Array(npwrs)
  let V1 = new Float64Array(npwrs)
  V1[0] = 1
  let V0s = 0
  let V1s = 0
  let [j1, j2] = rowBounds(0, n, ll, ceilf, roundf)
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1
    const tmp = V0
    V0 = V1
    V1 = tmp
    const tmps = V0s
    V0s = V1s
    V1s = tmps
    V1.fill(0)
    ;[j1, j2] = rowBounds(i, n, ll, ceilf, roundf)
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower
    const ln2 = j2 - k1 + 1
    if (ln2 > 0) {
      // Full convolution of V0[k1-V0s .. +ln2) with pwrs[0 .. ln2), keeping entries
      // conv[j1-k1 .. j1-k1+convLen). Reads past either array count as 0, as numpy truncates the slices.
      const base = k1 - V0s
      const convStart = j1 - k1
      const convLen = j2 - j1 + 1
      for (let c = 0; c < convLen; c++) {
        const idx = convStart + c
        let acc = 0
        const lo = Math.max(0, idx - (ln2 - 1))
        const hi = Math.min(idx, ln2 - 1)
        for (let a = lo; a <= hi; a++) acc += (V0[base + a] ?? 0) * (pwrs[idx - a] ?? 0)
        V1[c] = acc
      }
      let maxV = -Infinity
      for (let c = 0; c < npwrs; c++) if ((V1[c] as number) > maxV) maxV = V1[c] as number
      if (maxV > 0 && maxV < EM128) {
        for (let c = 0; c < npwrs; c++) V1[c] = (V1[c] as number) * EP128
        expnt -= E128
      }
      V1s = V0s + j1 - k1
    }
  }

  // Multiply by n!, rescaling to stay in range.
  let ans = V1[n - V1s] as number
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128
      expnt += E128
    }
    ans *= m
  }
  if (expnt !== 0) ans = ldexp(ans, expnt)
  return Math.min(Math.max(ans, 0), 1)
}
