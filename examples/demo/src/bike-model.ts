import type { BikeHour } from './bike-data.js'

/** The bike-demand model: rentals in an hour from the hour of day and the temperature. */
export interface BikeModel {
  /** Predicted rentals (≥ 0). Reads no `this`, so it can be wrapped as it is. */
  predict(hour: Pick<BikeHour, 'hr' | 'temp'>): number
  /** Mean absolute error over `hours`. */
  mae(hours: readonly BikeHour[]): number
  /** Rentals per unit of normalized temperature, the same at every hour. */
  readonly tempSlope: number
}

/**
 * Least squares for cnt ≈ base[hr] + slope · temp: one intercept per hour of day and one shared
 * temperature slope. Exact in closed form (the within-hour regression): the slope from the
 * deviations of temp and cnt from their hourly means, then each intercept from its hour's means.
 * Fitted on January 2011, it has never seen February's warmer days: the drift the demo shows.
 */
export function trainBikeModel(hours: readonly BikeHour[]): BikeModel {
  const n = new Float64Array(24)
  const sumTemp = new Float64Array(24)
  const sumCnt = new Float64Array(24)
  for (const h of hours) {
    n[h.hr]! += 1
    sumTemp[h.hr]! += h.temp
    sumCnt[h.hr]! += h.cnt
  }
  const meanTemp = (hr: number) => (n[hr]! > 0 ? sumTemp[hr]! / n[hr]! : 0)
  const meanCnt = (hr: number) => (n[hr]! > 0 ? sumCnt[hr]! / n[hr]! : 0)
  let covariance = 0
  let variance = 0
  for (const h of hours) {
    const dt = h.temp - meanTemp(h.hr)
    covariance += dt * (h.cnt - meanCnt(h.hr))
    variance += dt * dt
  }
  const slope = variance > 0 ? covariance / variance : 0
  const base = Float64Array.from({ length: 24 }, (_, hr) => meanCnt(hr) - slope * meanTemp(hr))
  const predict = (hour: Pick<BikeHour, 'hr' | 'temp'>): number => Math.max(0, base[hour.hr]! + slope * hour.temp)
  return {
    predict,
    mae: (test) => test.reduce((sum, h) => sum + Math.abs(predict(h) - h.cnt), 0) / Math.max(test.length, 1),
    tempSlope: slope,
  }
}
