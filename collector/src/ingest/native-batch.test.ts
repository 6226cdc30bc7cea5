import { expect, it } from 'vitest'
import { repeatsEventsKey } from './native-batch.js'

it('finds "events" named twice at the top level, whatever the spacing', () => {
  expect(repeatsEventsKey('{"events":[1],"events":[2]}')).toBe(true)
  expect(repeatsEventsKey('{ "events" : [1] ,\n\t"events"\r\n: [] }')).toBe(true)
})

it('is not fooled by "events" inside the events, in strings, or once', () => {
  expect(repeatsEventsKey('{"events":[1]}')).toBe(false)
  expect(repeatsEventsKey('{"events":[{"features":{"events":1},"label":"events"}]}')).toBe(false)
  expect(repeatsEventsKey('{"events":[{"note":"\\"events\\": quoted"}],"x":"events"}')).toBe(false)
  expect(repeatsEventsKey('{"events":[{"a":{"events":[]}}],"meta":{"events":2}}')).toBe(false)
})
