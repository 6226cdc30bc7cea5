// x * 2^e without the intermediate 2^e overflowing or underflowing on its own (Math.pow(2, -1100) is 0
// even when x * 2^-1100 is a representable number).
export function ldexp(x: number, e: number): number {
  let result = x
  let rest = e
  while (rest > 1000) {
    result *= 2 ** 1000
    rest -= 1000
  }
  while (rest < -1000) {
    result *= 2 ** -1000
    rest += 1000
  }
  return result * 2 ** rest
}
