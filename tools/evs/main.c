/* evs: subcommand dispatch, global flags and exit codes (0 ok, 1 failure, 2 usage). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "evs/evs.h"

/* Whatever a command returned, output that did not reach stdout (a full disk, a closed pipe) is a failure:
 * "exit 0" must mean the output is there. */
static int finish(const char *name, int rc) {
  errno = 0;
  bool bad = fflush(stdout) != 0 || ferror(stdout);
  if (!bad || rc != CLI_EXIT_OK) return rc; /* a failed command has said why */
  const char *why = errno ? strerror(errno) : "write error";
  fprintf(stderr, "evs%s%s: error: writing to stdout failed: %s\n", name ? " " : "", name ? name : "", why);
  return CLI_EXIT_FAIL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    cli_print_main_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
    cli_print_main_usage(stdout);
    return finish(NULL, CLI_EXIT_OK);
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
    printf("evs %s\n", evs_version());
    return finish(NULL, CLI_EXIT_OK);
  }
  if (name[0] == '-') {
    fprintf(stderr, "evs: unknown option '%s'\nsee 'evs --help'\n", name);
    return CLI_EXIT_USAGE;
  }
  const cli_cmd *cmd = cli_find(name);
  if (!cmd) {
    fprintf(stderr, "evs: unknown command '%s'\nsee 'evs --help'\n", name);
    return CLI_EXIT_USAGE;
  }
  if (cmd != &cli_cmd_help && cli_wants_help(argc - 1, argv + 1)) {
    cli_print_usage(cmd, stdout);
    return finish(cmd->name, CLI_EXIT_OK);
  }
  return finish(cmd->name, cmd->run(cmd, argc - 1, argv + 1));
}
