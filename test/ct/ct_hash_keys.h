/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keys for the cuckoo hash tests run on the hash alone: key i is a 64-bit
 * number made from i, its value i << 1 | dir, its hash made from the key;
 * eq_num recomputes the key from the value, so the tests store no keys.
 */
#ifndef DPFW_CT_HASH_KEYS_H
#define DPFW_CT_HASH_KEYS_H

#include <stdbool.h>
#include <stdint.h>

static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dull;
	x ^= x >> 33;
	return x;
}

static inline uint64_t
key_of(uint32_t i)
{
	return mix64((uint64_t)i + 1);
}

static inline uint32_t
hash_of(uint64_t key)
{
	return (uint32_t)mix64(key ^ 0x5bd1e995u);
}

static bool
eq_num(const void *ctx, uint32_t val, const void *key)
{
	(void)ctx;
	return key_of(val >> 1) == *(const uint64_t *)key;
}

#endif
