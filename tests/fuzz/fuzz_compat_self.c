/* libFuzzer target: arbitrary bytes as a FileDescriptorSet, loaded twice the way `evs breaking` loads an
 * input (evs_compat_input_load's flags), then compared with itself at every level and in every mode. A
 * schema compared with an identical copy must be compatible with zero findings: any finding means the
 * loader let through something the checker cannot pair (a nameless or duplicate element, an unresolved
 * reference) or a rule that is not reflexive.
 * Seeds: the compat fixtures compiled to descriptor sets, schemas/catalog-released.binpb and the registry
 * fixtures (tests/fuzz/compat_seeds.sh). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evs/compat.h"
#include "registry/registry_internal.h"

static evs_registry *load(const uint8_t *data, size_t size) {
  evs_registry *reg = NULL;
  evs_error err;
  if (evs_registry_new(&reg, &err) != EVS_OK) return NULL;
  evs_status st = evs_registry_add_descriptor_set_flags(reg, data, size, "fuzz",
                                                        EVS_LOAD_NO_EVS_OPTIONS | EVS_LOAD_NO_C_DESC, &err);
  if (st != EVS_OK) {
    if (err.code != st || err.msg[0] == '\0') abort();
    evs_registry_free(reg);
    return NULL;
  }
  return reg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  evs_registry *prev = load(data, size);
  if (!prev) return 0;
  evs_registry *cur = load(data, size);
  if (!cur) abort(); /* the same bytes loaded once */
  const evs_registry *versions[] = {prev, prev, cur};
  for (int level = EVS_COMPAT_LEVEL_WIRE; level <= EVS_COMPAT_LEVEL_FILE; level++) {
    for (int mode = EVS_COMPAT_BACKWARD; mode <= EVS_COMPAT_FULL_TRANSITIVE; mode++) {
      evs_compat_options opts;
      memset(&opts, 0, sizeof opts);
      opts.level = (evs_compat_level)level;
      opts.mode = (evs_compat_mode)mode;
      evs_compat_report *report = NULL;
      evs_error err;
      evs_status st = evs_compat_check_versions(versions, NULL, 3, &opts, &report, &err);
      if (st == EVS_ERR_NOMEM) continue;
      size_t n = 0;
      if (st == EVS_OK) (void)evs_compat_report_findings(report, &n);
      if (st != EVS_OK || n) {
        fprintf(stderr, "invariant broken: a set is not compatible with itself (level %d, mode %d): %s\n",
                level, mode, st ? err.msg : "");
        if (n) (void)evs_compat_report_write(report, EVS_COMPAT_FORMAT_TEXT, stderr, &err);
        abort();
      }
      evs_compat_report_free(report);
    }
  }
  evs_registry_free(cur);
  evs_registry_free(prev);
  return 0;
}
