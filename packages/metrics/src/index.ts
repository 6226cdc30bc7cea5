// Each family has its own barrel; this file only gathers them.
export * from './drift/index.js'
export * from './fairness/index.js'
export * from './performance/index.js'
export * from './sql/index.js'
export { seededRandom } from './shared/seeded-random.js'
