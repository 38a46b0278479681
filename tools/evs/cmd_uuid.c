/* evs uuid: new UUIDv7 ids, or checks of given UUID text. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "evs/uuid.h"

#define MAX_COUNT 10000000ULL

static int check_ids(const cli_cmd *self, int argc, char **argv, int version) {
  int bad = 0;
  for (int i = 0; i < argc; i++) {
    evs_error err;
    evs_error_clear(&err);
    if (evs_uuid_check(argv[i], strlen(argv[i]), version, &err) != EVS_OK) {
      char text[512];
      evs_error_format(&err, text, sizeof text);
      fprintf(stderr, "evs %s: %s: %s\n", self->name, argv[i], text);
      bad++;
    } else {
      evs_uuid u;
      if (evs_uuid_parse(argv[i], strlen(argv[i]), &u, NULL) == EVS_OK)
        printf("%s: ok, version %d\n", argv[i], evs_uuid_version(&u));
    }
  }
  return bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int run(const cli_cmd *self, int argc, char **argv) {
  static const struct option opts[] = {
      {"count", required_argument, NULL, 'n'},
      {"check", no_argument, NULL, 'c'},
      {"version", required_argument, NULL, 'v'},
      {NULL, 0, NULL, 0},
  };
  unsigned long long count = 1;
  int check = 0;
  unsigned long long version = 0;
  optind = 1;
  opterr = 0;
  for (int c; (c = getopt_long(argc, argv, ":n:", opts, NULL)) != -1;) {
    switch (c) {
      case 'n':
        if (cli_parse_count(optarg, MAX_COUNT, &count) != 0 || count == 0)
          return cli_usage_error(self, "--count wants a number from 1 to %llu, not '%s'", MAX_COUNT, optarg);
        break;
      case 'c':
        check = 1;
        break;
      case 'v':
        if (cli_parse_count(optarg, 8, &version) != 0 || version == 0)
          return cli_usage_error(self, "--version wants a UUID version from 1 to 8, not '%s'", optarg);
        break;
      default:
        return cli_option_error(self, c, argv);
    }
  }
  if (check) {
    if (optind >= argc) return cli_usage_error(self, "--check needs at least one UUID");
    return check_ids(self, argc - optind, argv + optind, (int)version);
  }
  if (optind < argc) return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
  if (version) return cli_usage_error(self, "--version goes with --check");

  enum { BATCH = 4096 };
  evs_uuid ids[BATCH];
  char text[EVS_UUID_STR_SIZE];
  while (count > 0) {
    size_t n = count < BATCH ? (size_t)count : BATCH;
    evs_error err;
    evs_error_clear(&err);
    if (evs_uuid7_fill(ids, n, &err) != EVS_OK) return cli_fail(self, &err);
    for (size_t i = 0; i < n; i++) {
      evs_uuid_format(&ids[i], text);
      text[EVS_UUID_STR_LEN] = '\n';
      fwrite(text, 1, EVS_UUID_STR_LEN + 1, stdout);
    }
    count -= n;
  }
  if (fflush(stdout) != 0 || ferror(stdout)) return cli_failf(self, "writing to stdout failed");
  return CLI_EXIT_OK;
}

const cli_cmd cli_cmd_uuid = {
    "uuid",
    "print new UUIDv7 ids, or check UUID text",
    "usage: evs uuid [-n N]\n"
    "       evs uuid --check [--version V] UUID...\n"
    "\n"
    "Prints N new UUIDv7 ids (RFC 9562), one per line, lowercase. Ids are strictly increasing\n"
    "within the process, also across threads.\n"
    "\n"
    "options:\n"
    "  -n, --count N     how many ids to print (1 to 10000000, default 1)\n"
    "  --check           check each UUID argument instead: canonical 8-4-4-4-12 text, RFC variant\n"
    "  --version V       with --check: require UUID version V (e.g. 7)\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 ok, 1 a checked UUID is invalid, 2 usage error.\n",
    run,
};
