/* evs help: the command list and each command's usage. */
#include <string.h>

#include "cli.h"

void cli_print_main_usage(FILE *out) {
  fputs(
      "usage: evs [--help] [--version] <command> [options]\n"
      "\n"
      "evs: binary-first event schemas. Protobuf events compiled to C, canonical JSON,\n"
      "compatibility checks and Kafka.\n"
      "\n"
      "commands:\n",
      out);
  for (const cli_cmd *const *c = cli_commands; *c; c++)
    fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
  fputs(
      "\n"
      "`evs help <command>` or `evs <command> --help` shows a command's options.\n"
      "Exit status: 0 success, 1 failure, 2 usage error.\n",
      out);
}

static int run_help(const cli_cmd *self, int argc, char **argv) {
  if (argc > 2) return cli_usage_error(self, "too many arguments");
  if (argc == 2 && strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0) {
    const cli_cmd *cmd = cli_find(argv[1]);
    if (!cmd) return cli_usage_error(self, "unknown command '%s'", argv[1]);
    cli_print_usage(cmd, stdout);
    return CLI_EXIT_OK;
  }
  if (argc == 2) {
    cli_print_usage(self, stdout);
    return CLI_EXIT_OK;
  }
  cli_print_main_usage(stdout);
  return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_help = {
    "help",
    "show the help of evs or of one command",
    "usage: evs help [<command>]\n"
    "\n"
    "Prints the list of commands, or the options of one command.\n",
    run_help,
};
