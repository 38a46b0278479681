/* The subcommand table, in the order `evs --help` lists them. */
#include "cli.h"

extern const cli_cmd cli_cmd_list;
extern const cli_cmd cli_cmd_describe;
extern const cli_cmd cli_cmd_docs;
extern const cli_cmd cli_cmd_encode;
extern const cli_cmd cli_cmd_decode;
extern const cli_cmd cli_cmd_validate;
extern const cli_cmd cli_cmd_jsonschema;
extern const cli_cmd cli_cmd_help;
extern const cli_cmd cli_cmd_uuid;
extern const cli_cmd cli_cmd_breaking;
extern const cli_cmd cli_cmd_broker;
extern const cli_cmd cli_cmd_consume;
extern const cli_cmd cli_cmd_produce;
extern const cli_cmd cli_cmd_topics;
extern const cli_cmd cli_cmd_asyncapi, cli_cmd_new;
extern const cli_cmd cli_cmd_store;

const cli_cmd *const cli_commands[] = {
    &cli_cmd_list,     &cli_cmd_describe, &cli_cmd_encode,
    &cli_cmd_decode,   &cli_cmd_validate, &cli_cmd_jsonschema,
    &cli_cmd_docs,     &cli_cmd_asyncapi, &cli_cmd_new,
    &cli_cmd_breaking, &cli_cmd_broker,   &cli_cmd_produce,
    &cli_cmd_consume,  &cli_cmd_topics,   &cli_cmd_store,
    &cli_cmd_uuid,     &cli_cmd_help,     NULL,
};
