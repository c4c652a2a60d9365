/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libFuzzer entry points every target in test/fuzz/ defines. The same
 * file links either with libFuzzer (clang -fsanitize=fuzzer: fuzz_NAME,
 * scripts/fuzz.sh) or with replay.c (any compiler: replay_NAME, which runs
 * each file of the target's corpus once; meson test 'fuzz_NAME').
 */
#ifndef DPFW_FUZZ_H
#define DPFW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
