# The .proto files compiled into libevs, relative to proto/. Explicit on purpose (no GLOB): a new file is
# added here in the same commit that adds it.
set(EVS_PROTOS
  evs/v1/options.proto
  evs/v1/envelope.proto
  events/workflow/v1/workflow_events.proto
  events/tasks/v1/task_events.proto
  events/todo/v1/todo_events.proto
  events/todo/v1/reminder_events.proto
  events/todo/v1/analytics_events.proto
  events/todo/v1/notification_events.proto
  events/todo/v1/audit_events.proto
  events/todo/v2/todo_created.proto
  events/dcb/v1/domain_event.proto
)

# Well-known types compiled to C for the catalogs (libprotobuf-dev ships the .proto files, Debian ships no
# protoc-c output for them). descriptor.proto is here because the registry reads descriptor sets with it.
set(EVS_WKT_PROTOS
  google/protobuf/any.proto
  google/protobuf/descriptor.proto
  google/protobuf/duration.proto
  google/protobuf/empty.proto
  google/protobuf/field_mask.proto
  google/protobuf/struct.proto
  google/protobuf/timestamp.proto
  google/protobuf/wrappers.proto
)
