/* The subcommand table, in the order `evs --help` lists them. */
#include "cli.h"

extern const cli_cmd cli_cmd_list;
extern const cli_cmd cli_cmd_describe;
extern const cli_cmd cli_cmd_help;
extern const cli_cmd cli_cmd_uuid;

const cli_cmd *const cli_commands[] = {
    &cli_cmd_list, &cli_cmd_describe, &cli_cmd_uuid, &cli_cmd_help, NULL,
};
