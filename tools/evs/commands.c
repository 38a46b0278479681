/* The subcommand table, in the order `evs --help` lists them. */
#include "cli.h"

extern const cli_cmd cli_cmd_help;

const cli_cmd *const cli_commands[] = {
    &cli_cmd_help,
    NULL,
};
