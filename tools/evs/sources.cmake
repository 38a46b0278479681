# The evs command-line program: one file per subcommand.
set(EVS_CLI_SOURCES
  tools/evs/main.c
  tools/evs/cli.c
  tools/evs/commands.c
  tools/evs/cmd_help.c
  tools/evs/cmd_uuid.c
  tools/evs/cmd_list.c
  tools/evs/cmd_describe.c
  tools/evs/schema_text.c
  tools/evs/cmd_docs.c tools/evs/docs_write.c tools/evs/docs_example.c tools/evs/docs_md.c tools/evs/docs_html.c
  tools/evs/codec_cli.c
  tools/evs/codec_records.c
  tools/evs/cmd_validate.c
  tools/evs/event_cli.c
  tools/evs/cmd_encode.c
  tools/evs/cmd_decode.c
  tools/evs/cmd_jsonschema.c
  tools/evs/cmd_asyncapi.c
  tools/evs/cmd_new.c
  tools/evs/cmd_breaking.c
  tools/evs/cmd_broker.c
  tools/evs/tcp_forward.c
  tools/evs/cmd_consume.c
  tools/evs/cmd_produce.c
  tools/evs/cmd_topics.c
  tools/evs/kafka_cli.c
)
