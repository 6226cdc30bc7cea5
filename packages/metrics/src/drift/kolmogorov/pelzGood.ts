// Pelz & Good (1976) asymptotic series for the two-sided one-sample KS CDF, P(D_n <= x), as scipy's
// `_kolmogn_PelzGood` (scipy/stats/_ksstats.py): the Li-Chien/Korolyuk expansion
// K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5 with z = x sqrt(n), rewritten with Jacobi theta
// identities to converge for small z. Hand-written: no npm package has it.

const PI_SQUARED = Math.PI ** 2
const PI_FOUR = Math.PI ** 4
const PI_SIX = Math.PI ** 6
const SQRT2PI = Math.sqrt(2 * Math.PI)
const SQRT3 = Math.sqrt(3)
const MIN_LOG = -708

/**
 * P(D_n <= x) by the Pelz-Good approximation.
 *
 * @example
 * pelzGoodCdf(5000, 0.01) // 0.3045442746086146 (scipy.stats.kstwo.cdf(0.01, 5000))
 */
export function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const z = Math.sqrt(n) * x
  const z2 = z ** 2
  const z3 = z ** 3
  const z4 = z ** 4
  const z6 = z ** 6

  const qlog = -PI_SQUARED / 8 / z2
  if (qlog < MIN_LOG) return 0
  let q = Math.exp(qlog)

  const k1a = -z2
  const k1b = PI_SQUARED / 4
  const k2a = 6 * z6 + 2 * z4
  const k2b = ((2 * z4 - 5 * z2) * PI_SQUARED) / 4
  const k2c = (PI_FOUR * (1 - 2 * z2)) / 16
  const k3d = (PI_SIX * (5 - 30 * z2)) / 64
  const k3c = (PI_FOUR * (-60 * z2 + 212 * z4)) / 16
  const k3b = (PI_SQUARED * (135 * z4 - 96 * z6)) / 4
  const k3a = -30 * z6 - 90 * z ** 8

  // Horner scheme over odd integers m = 2k-1 of sum c_m q^(m^2).
  const K = [0, 0, 0, 0]
  const maxk = Math.ceil((16 * z) / Math.PI)
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1
    const m2 = m ** 2
    const m4 = m ** 4
    const m6 = m ** 6
    const qpower = Math.pow(q, 8 * k)
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6]
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qpower + (coeffs[i] as number)
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10]
  for (let i = 0; i < 4; i++) K[i] = (((K[i] as number) * q) * SQRT2PI) / (divisors[i] as number)

  // The remaining sums over all integers k (terms of K2 and K3).
  q = Math.exp(-PI_SQUARED / 2 / z2)
  const sqrt3z = SQRT3 * z
  let k2extra = 0
  let k3extra = 0
  for (let k = maxk; k > 0; k--) {
    const k2 = k ** 2
    const qp = Math.pow(q, k2)
    k2extra += k2 * qp
    const kspi = Math.PI * k
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * k2 * qp
  }
  K[2] = (K[2] as number) + (k2extra * PI_SQUARED * SQRT2PI) / (-36 * z3)
  K[3] = (K[3] as number) + (k3extra * PI_SQUARED * SQRT2PI) / (216 * z6)
  let sum = 0
  for (let i = 0; i < 4; i++) sum += (K[i] as number) / Math.pow(n, i / 2)
  return sum
}
