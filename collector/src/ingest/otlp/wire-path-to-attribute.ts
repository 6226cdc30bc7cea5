import { AIMS_ATTRIBUTES as A, ENVIRONMENT_ATTRIBUTES } from '@aims-monitor/schema'

/**
 * Names a wire-schema error path (`features.age`, `output.score`) by the OTLP attribute or log record
 * field the sender set (`aims.feature.age`, `aims.output.score`), so a partial-success message points
 * at what to fix in the instrumentation.
 */
export function wirePathToAttribute(eventType: 'prediction' | 'outcome', path: string): string {
  const [head = '', ...rest] = path.split('.')
  const tail = rest.join('.')
  switch (head) {
    case 'id':
    case 'predictionId':
      return A.predictionId
    case 'model':
      return tail === 'version' ? A.modelVersion : tail === 'id' ? A.modelId : `${A.modelId}, ${A.modelVersion}`
    case 'environment':
      return ENVIRONMENT_ATTRIBUTES[0]
    case 'features':
      return tail === '' ? `${A.featurePrefix}*` : `${A.featurePrefix}${tail}`
    case 'attributes':
      return tail === '' ? `${A.attributePrefix}*` : `${A.attributePrefix}${tail}`
    case 'output':
      return tail === '' ? 'aims.output.*' : `aims.output.${tail}`
    case 'error':
      return tail === '' ? 'aims.error.*' : `aims.error.${tail}`
    case 'latencyMs':
      return A.latencyMs
    case 'streamItems':
      return A.streamItems
    case 'timestamp':
      return 'timeUnixNano'
    case 'traceId':
    case 'spanId':
      return head
    case 'label':
      return eventType === 'outcome' ? A.outcomeLabel : path
    case 'value':
      return eventType === 'outcome' ? A.outcomeValue : path
    default:
      return path
  }
}
