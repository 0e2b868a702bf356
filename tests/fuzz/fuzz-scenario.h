/* A fuzz target's entry point, shared by the libFuzzer builds
 * (fuzz-scenario, fuzz-results) and the corpus replayers (fuzz-replay,
 * fuzz-replay-results). */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
