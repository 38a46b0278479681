# The evs command-line program: one file per subcommand.
set(EVS_CLI_SOURCES
  tools/evs/main.c
  tools/evs/cli.c
  tools/evs/commands.c
  tools/evs/cmd_help.c
  tools/evs/cmd_uuid.c
  tools/evs/cmd_list.c
  tools/evs/cmd_describe.c
)
