/* The scenario fuzz target's entry point, shared by the libFuzzer build
 * (fuzz-scenario) and the corpus replayer (fuzz-replay). */
#pragma once

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
