import { fileURLToPath } from 'node:url'
import protobuf from 'protobufjs'

/**
 * The OTLP logs messages and google.rpc.Status, loaded with protobufjs from `collector/proto`.
 * No installed package ships OTLP descriptors that can decode a request (see collector/proto/README.md).
 * The directory is at the same depth from src/ and dist/, so one relative URL serves tests and builds.
 */
const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url))

export interface OtlpProtoTypes {
  exportLogsServiceRequest: protobuf.Type
  exportLogsServiceResponse: protobuf.Type
  status: protobuf.Type
}

let loaded: OtlpProtoTypes | undefined

/** Loads the definitions on first use (a few ms) and keeps them for the process. */
export function otlpProtoTypes(): OtlpProtoTypes {
  if (loaded) return loaded
  const root = new protobuf.Root()
  // google/protobuf/* are bundled with protobufjs; everything else is ours.
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : PROTO_DIR + target)
  root.loadSync(['opentelemetry/proto/collector/logs/v1/logs_service.proto', 'google/rpc/status.proto'])
  root.resolveAll()
  loaded = {
    exportLogsServiceRequest: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    exportLogsServiceResponse: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
    status: root.lookupType('google.rpc.Status'),
  }
  return loaded
}
